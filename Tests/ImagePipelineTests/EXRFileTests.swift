import Foundation
import TestSupport
import Testing

@testable import ImagePipeline

@Suite struct EXRFileTests {
    static let dir = RawFixture.root + "/Tests/Fixtures/exr"

    @Test(arguments: ["depth-none.exr", "depth-zip.exr", "depth-zips.exr"])
    func readsFilesWrittenByOpenEXR(file: String) throws {
        let expected = try String(contentsOfFile: Self.dir + "/depth-expected-mm.txt", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }
        let image = try EXRFile.read(Self.dir + "/" + file)
        #expect(image.width == 7 && image.height == 20 && image.channel == "Y")
        var wrong = 0
        for y in 0..<20 {
            for x in 0..<7 where Int((Double(image.values[y * 7 + x]) * 1000).rounded()) != expected[y][x] { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test func corruptAndMissingFilesAreOneLine() throws {
        let dir = try TemporaryDirectory()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/depth-zip.exr"))
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: dir.path + "/cut.exr"))
        #expect(throws: EXRError.self) { try EXRFile.read(dir.path + "/cut.exr") }
        var flipped = bytes
        flipped[flipped.count - 20] ^= 0xff
        try flipped.write(to: URL(fileURLWithPath: dir.path + "/bit.exr"))
        #expect(throws: EXRError.self) { try EXRFile.read(dir.path + "/bit.exr") }
        #expect(throws: EXRError.unreadable(path: dir.path + "/none.exr")) { try EXRFile.read(dir.path + "/none.exr") }
    }
}
