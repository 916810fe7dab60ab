import Foundation
import RDTCore
import TestSupport
import Testing

@testable import Dataset
@testable import ImagePipeline

@Suite struct GlimpseImportTests {
    static let fixture = RawFixture.root + "/Tests/Fixtures/glimpse-preprocessed"

    @Test func importsFramesLabelsDepthAndIndexes() throws {
        let dir = try TemporaryDirectory()
        let manifest = try GlimpseImport(source: Self.fixture, destination: dir.path + "/data").run()
        #expect(manifest["stats"]?["frames"]?.intValue == 8)
        let data = try DatasetManifest(root: dir.path + "/data")
        #expect(data.labelMap.names == ["background", "left", "right"] && data.labelMap.flipMap[1] == 2)
        #expect(data.camera?.width == 9 && data.camera?.height == 7)
        #expect(data.frames.filter(\.flipped).count == 4)
        // Frame "walk/take1/Image0001": labels 1 on columns 2-3, 2 on columns 4-6, rows 2-5;
        // depth 2.25 m + 1 mm per column (half-float rounding allowed: 1 mm).
        let entry = try #require(data.frames.first { $0.name == "walk/take1/Image0001" })
        let frame = try ShardReader(path: dir.path + "/data/shards/" + entry.shard).frame(entry.index)
        #expect(frame.cropX == 2 && frame.cropY == 2 && frame.cropWidth == 5 && frame.cropHeight == 4)
        #expect(frame.labels.prefix(5) == [1, 1, 2, 2, 2])
        for (k, d) in frame.depth.prefix(5).enumerated() { #expect(abs(Int(d) - (2250 + 2 + k)) <= 1, "\(d)") }
        // glimpse's indexes map to the same frames.
        let names = Dictionary(uniqueKeysWithValues: data.frames.map { ($0.id, $0.name) })
        #expect(
            try data.index("tree0").map { names[$0]! } == [
                "walk/take1/Image0000-flipped", "walk/take1/Image0001",
                "walk/take1/Image0001", "run/take1/Image0001-flipped",
            ])
        #expect(try data.index("full").count == 8 && data.index("test").count == 2)
    }

    @Test func missingMetaIsOneLine() throws {
        let dir = try TemporaryDirectory()
        do {
            try GlimpseImport(source: dir.path, destination: dir.path + "/out").run()
            Issue.record("imported an empty directory")
        } catch {
            #expect("\(error)".hasPrefix(dir.path + "/meta.json") && !"\(error)".contains("\n"))
        }
    }
}
