import Foundation
import RDTCore
import Testing
import TestSupport
@testable import ImagePipeline

enum RawFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let renderMap = root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"

    /// Raw frames in render label values: `clips` clips of `frames` synthetic bodies, 64x48.
    static func write(to dir: String, clips: Int, frames: Int, width: Int = 64, height: Int = 48,
                      tiny: Set<String> = []) throws {
        let map = try LabelMap(contentsOf: renderMap)
        for sub in ["depth", "labels", "meta"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        for c in 0..<clips {
            for f in 0..<frames {
                let name = String(format: "clip%02d-%04d", c, f)
                var body = SyntheticBody.frame(width: width, height: height, labels: map.count, seed: UInt64(c), index: f)
                if tiny.contains(name) {
                    for i in body.labels.indices where i % width > 3 || i / width > 3 { body.labels[i] = 0; body.depth[i] = 32000 }
                }
                let raw = body.labels.map { UInt8(map.labels[Int($0)].inputs[0]) }
                let depth = zip(body.depth, body.labels).map { $1 == 0 ? UInt16(0) : $0 }
                try PNGImage(width: width, height: height, channels: 1, samples: .u16(depth)).write(dir + "/depth/\(name).png")
                try PNGImage(width: width, height: height, channels: 1, samples: .u8(raw)).write(dir + "/labels/\(name).png")
                let meta = JSON.object([("clip", .string("clip\(c)")), ("frame", .int(f)),
                                        ("camera", .object([("width", .int(width)), ("height", .int(height)),
                                                            ("vertical_fov", .double(43.94))]))])
                try meta.serialized().write(toFile: dir + "/meta/\(name).json", atomically: true, encoding: .utf8)
            }
        }
    }

    static func job(_ src: String, _ dest: String, config: PreprocessConfig = PreprocessConfig(), task: Int = 0,
                    of count: Int = 1) throws -> PreprocessJob {
        let map = try LabelMap(contentsOf: renderMap)
        var job = PreprocessJob(source: src, destination: dest, processor: FrameProcessor(labelMap: map, config: config),
                                labelMapJSON: map.json)
        job.taskID = task
        job.taskCount = count
        job.framesPerShard = 3
        return job
    }

    static func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for sub in ["shards", "clips"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: dir + "/" + sub) {
                out[sub + "/" + f] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + sub + "/" + f))
            }
        }
        return out
    }
}

@Suite struct PreprocessTests {
    func noisyConfig() throws -> PreprocessConfig {
        var c = try PreprocessConfig(contentsOf: RawFixture.root + "/reference/glimpse/pre-processor-configs/iphone-x-config.json")
        c.minBodyChangePercent = 1
        return c
    }

    @Test func outputIsIdenticalForOneOrThreeTasksAndReRunsChangeNothing() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 4, frames: 4)
        let config = try noisyConfig()
        try RawFixture.job(dir.path + "/raw", dir.path + "/one", config: config).run()
        for t in 0..<3 { try RawFixture.job(dir.path + "/raw", dir.path + "/three", config: config, task: t, of: 3).run() }
        let one = try RawFixture.files(dir.path + "/one"), three = try RawFixture.files(dir.path + "/three")
        #expect(one.count > 8)
        #expect(one == three)
        // A re-run of a finished task skips everything and changes no byte.
        let again = try RawFixture.job(dir.path + "/raw", dir.path + "/one", config: config).run()
        #expect(again.isEmpty)
        #expect(try RawFixture.files(dir.path + "/one") == one)
        let manifest = try RawFixture.job(dir.path + "/raw", dir.path + "/one", config: config).merge()
        #expect(manifest["stats"]?["frames"]?.intValue == 2 * (manifest["stats"]?["kept"]?.intValue ?? -1))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/one/manifest.json"))
    }

    @Test func flippedFrameIsTheMirrorWithOppositeLabels() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 1, frames: 1)
        try RawFixture.job(dir.path + "/raw", dir.path + "/out").run()
        let reader = try ShardReader(path: dir.path + "/out/shards/clip0-000.shard")
        let a = try reader.frame(0), b = try reader.frame(1)
        #expect(!a.flipped && b.flipped && b.id == a.id + 1)
        let map = try LabelMap(contentsOf: RawFixture.renderMap)
        func full(_ f: ShardFrame) -> ([UInt16], [UInt8]) {
            var d = [UInt16](repeating: 32000, count: f.width * f.height), l = [UInt8](repeating: 0, count: d.count)
            for y in 0..<f.cropHeight {
                for x in 0..<f.cropWidth {
                    d[(f.cropY + y) * f.width + f.cropX + x] = f.depth[y * f.cropWidth + x]
                    l[(f.cropY + y) * f.width + f.cropX + x] = f.labels[y * f.cropWidth + x]
                }
            }
            return (d, l)
        }
        let (da, la) = full(a), (db, lb) = full(b)
        var mismatches = 0, swapped = 0
        for y in 0..<a.height {
            for x in 0..<a.width {
                let i = y * a.width + x, j = y * a.width + (a.width - 1 - x)
                if db[j] != da[i] || lb[j] != map.flipMap[Int(la[i])] { mismatches += 1 }
                if la[i] != 0 && map.flipMap[Int(la[i])] != la[i] { swapped += 1 }
            }
        }
        #expect(mismatches == 0 && swapped > 0)
    }

    @Test func gaussianNoiseHasTheConfiguredFullWidthAtATenth() {
        let fwtm = 0.02  // metres, as in glimpse's configs
        var depth = [UInt16](repeating: 2000, count: 200_000), labels = [UInt8](repeating: 1, count: 200_000)
        var rng = DeterministicRandom(1)
        Noise.apply(.gaussian(fwtmMetres: fwtm), depth: &depth, labels: &labels, width: 400, height: 500, rng: &rng)
        // Density at 0 and at +-fwtm/2 (10 mm): bins of +-2 mm around each.
        func count(_ centre: Int) -> Double { Double(depth.filter { abs(Int($0) - centre) <= 2 }.count) }
        let ratio = (count(2010) + count(1990)) / 2 / count(2000)
        #expect(abs(ratio - 0.1) < 0.03, "density ratio \(ratio)")
        let mean = depth.reduce(0.0) { $0 + Double($1) } / Double(depth.count)
        let sd = (depth.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(depth.count)).squareRoot()
        #expect(abs(sd - Noise.sigma(fwtm: fwtm) * 1000) < 0.3, "sd \(sd)")
    }

    @Test func smallFramesAreDroppedAndCounted() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 1, frames: 3, tiny: ["clip00-0001"])
        var config = PreprocessConfig()
        config.minBodySizePixels = 100
        config.noFlip = true
        let results = try RawFixture.job(dir.path + "/raw", dir.path + "/out", config: config).run()
        #expect(results.count == 1 && results[0].droppedSmall == 1 && results[0].kept == 2)
        let reader = try ShardReader(path: dir.path + "/out/shards/clip0-000.shard")
        #expect(try (0..<reader.count).map { try reader.frame($0).name } == ["clip00-0000", "clip00-0002"])
    }

    @Test func wrongLabelMapAndUnfinishedMergeAreOneLine() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 2, frames: 1)
        let nop = try LabelMap(contentsOf: RawFixture.root + "/reference/glimpse/label-maps/2018-06-nop-map.json")
        let job = PreprocessJob(source: dir.path + "/raw", destination: dir.path + "/out",
                                processor: FrameProcessor(labelMap: nop, config: PreprocessConfig()), labelMapJSON: nop.json)
        do {
            try job.run()
            Issue.record("a render label image passed through a map without render values")
        } catch {
            #expect("\(error)".contains("labels/clip00-0000.png") && "\(error)".contains("not in the label map"))
        }
        try RawFixture.job(dir.path + "/raw", dir.path + "/half", task: 0, of: 2).run()
        #expect(throws: PreprocessError.unfinished(missing: 1, total: 2, example: "clip1")) {
            try RawFixture.job(dir.path + "/raw", dir.path + "/half").merge()
        }
    }

    @Test func glimpsePreprocessorConfigsLoadAsTheyAre() throws {
        let dir = RawFixture.root + "/reference/glimpse/pre-processor-configs"
        let c = try PreprocessConfig(contentsOf: dir + "/iphone-x-synthetic-renders-config.json")
        #expect(c.noFlip && c.noise.count == 3)
        #expect(c.noise[2] == .perlin(frequency: 0.05, amplitudeMetres: 0.15, octaves: 4))
        _ = try PreprocessConfig(contentsOf: dir + "/zenfone-config.json")
    }
}

/// Training checks each shard's whole-file CRC against manifest.json: another valid shard put
/// under the same name (a re-run with another config, a copy) is refused naming the shard.
@Suite struct ShardChecksumTests {
    @Test func aShardSwappedAfterTheMergeIsRefused() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 1, frames: 3)
        var noisy = PreprocessConfig()
        noisy.noise = [.gaussian(fwtmMetres: 0.02)]
        for (name, config) in [("a", PreprocessConfig()), ("b", noisy)] {
            let job = try RawFixture.job(dir.path + "/raw", dir.path + "/" + name, config: config)
            try job.run()
            _ = try job.merge()
        }
        func load(_ root: String) throws {
            let manifest = try DatasetManifest(root: root)
            let p = TrainingParameters()
            let camera = try #require(manifest.camera)
            let data = LocalTrainingData(parameters: p, candidates: [Candidates(parameters: p, camera: camera, tree: 0)],
                                         labelCount: manifest.labelMap.count)
            let ids = manifest.frames.map(\.id)
            let uses = FrameUses(indexes: [ids])
            try TrainingSetLoader.load(manifest: manifest, frames: uses.frames, uses: uses, into: data)
        }
        try load(dir.path + "/a")
        let shard = "clip0-000.shard"
        let a = dir.path + "/a/shards/" + shard, b = dir.path + "/b/shards/" + shard
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) != Data(contentsOf: URL(fileURLWithPath: b)))
        try FileManager.default.removeItem(atPath: a)
        try FileManager.default.copyItem(atPath: b, toPath: a)
        do {
            try load(dir.path + "/a")
            Issue.record("a swapped shard was loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains(shard) && text.contains("manifest.json recorded") && !text.contains("\n"), "\(text)")
        }
    }
}
