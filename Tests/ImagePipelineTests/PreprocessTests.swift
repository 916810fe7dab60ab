import Foundation
import RDTCore
import TestSupport
import Testing

@testable import Dataset
@testable import ImagePipeline

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
        let job = PreprocessJob(
            source: dir.path + "/raw", destination: dir.path + "/out",
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

/// Pre-processor and render configs read strictly; glimpse's reference configs as they are.
@Suite struct StrictConfigTests {
    func write(_ text: String) throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory()
        try text.write(toFile: dir.path + "/c.json", atomically: true, encoding: .utf8)
        return (dir, dir.path + "/c.json")
    }

    func preprocessError(_ text: String) throws -> String {
        let (dir, path) = try write(text)
        defer { _ = dir }
        do {
            _ = try PreprocessConfig(contentsOf: path)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    func render(_ text: String) throws -> Result<RenderConfig, Error> {
        let (dir, path) = try write(text)
        defer { _ = dir }
        return Result { try RenderConfig(contentsOf: path) }
    }

    @Test func preprocessorTyposAreRefusedAndGlimpsesConfigsLoad() throws {
        #expect(
            try preprocessError(#"{"properties": {"no_flp": true}}"#).contains(
                #"unknown key "no_flp" in the pre-processor properties; did you mean "no_flip"?"#))
        #expect(try preprocessError(#"{"properties": {"min_body_sise_px": 5}}"#).contains(#"did you mean "min_body_size_px"?"#))
        #expect(
            try preprocessError(#"{"noise": [{"type": "gaussian", "fwtm_range_map": 0.02}]}"#).contains(
                #"did you mean "fwtm_range_map_m"?"#))
        #expect(try preprocessError(#"{"properties": {"bg_far_clamp_mode": false}}"#).contains("bg_far_clamp_mode"))
        for name in ["iphone-x-config", "iphone-x-synthetic-renders-config", "zenfone-config"] {
            _ = try PreprocessConfig(contentsOf: RawFixture.root + "/reference/glimpse/pre-processor-configs/\(name).json")
        }
    }

    @Test func aFixedCameraIsHonouredAndUnsupportedKeysAreNamed() throws {
        let fixed = try render(
            #"{"camera": {"width": 64, "height": 48, "position": {"mode": "fixed", "distance": 3, "height": 1.2, "horizontal_rotation": 10}}}"#
        ).get()
        #expect(fixed.minDistance == 3 && fixed.maxDistance == 3 && fixed.minHeight == 1.2 && fixed.maxHeight == 1.2)
        #expect(fixed.minRotation == 10 && fixed.maxRotation == 10)
        func failure(_ text: String) throws -> String {
            if case .failure(let e) = try render(text) { return "\(e)" }
            return "accepted"
        }
        #expect(try failure(#"{"camera": {}, "add_background": 1}"#).contains("add_background must be true or false"))
        #expect(try failure(#"{"camera": {}, "filters": {"clothes_whitelist": ["hat"]}}"#).contains(#""hat" names none of the clothes"#))
        #expect(try failure(#"{"camera": {"position": {"mode": "orbit"}}}"#).contains(#"mode "orbit""#))
        #expect(try failure(#"{"camera": {"widht": 64}}"#).contains(#"did you mean "width"?"#))
        #expect(try failure(#"{"camera": {"position": {"distance": 2}}}"#).contains("for mode \"fixed\""))
        let training = try RenderConfig(contentsOf: RawFixture.root + "/reference/glimpse/render-configs/iphone-x-training.json")
        #expect(training.clothingStep == 5 && training.tagBlacklist.contains("jump"))
        let recording = try RenderConfig(contentsOf: RawFixture.root + "/reference/glimpse/render-configs/iphone-x-test-recording.json")
        #expect(recording.width == 640 && recording.height == 480 && recording.addBackground && recording.clothingStep == 0)
        #expect(recording.minDistance == 2 && recording.maxDistance == 2 && recording.minHeight == 1.1 && recording.minRotation == 0)
        #expect(recording.clothes == ["tights"], "m_trousers_01 is worn as tights, and nothing else is")
    }
}

/// The camera the meta files give is checked when the manifest is written.
@Suite struct MetaCameraTests {
    func mergeError(replacing old: String, with new: String) throws -> String {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 1, frames: 2)
        let meta = dir.path + "/raw/meta/clip00-0000.json"
        let text = try String(contentsOfFile: meta, encoding: .utf8)
        try text.replacingOccurrences(of: old, with: new).write(toFile: meta, atomically: true, encoding: .utf8)
        let job = try RawFixture.job(dir.path + "/raw", dir.path + "/data")
        try job.run()
        do {
            _ = try job.merge()
            return "accepted"
        } catch {
            #expect("\(error)".contains(meta), "\(error)")
            return "\(error)"
        }
    }

    @Test func aZeroFieldOfViewOrAWrongWidthIsRefusedNamingTheMetaFile() throws {
        #expect(try mergeError(replacing: "43.94", with: "0").contains("vertical_fov"))
        #expect(try mergeError(replacing: "\"width\": 64", with: "\"width\": 65").contains("65x48 but the frames are 64x48"))
        #expect(try mergeError(replacing: "xxx", with: "yyy") == "accepted")
    }
}

/// A dataset knows what made it: a re-run with other settings is refused, or rebuilt when asked.
@Suite struct DatasetProvenanceTests {
    @Test func aRerunWithAnotherConfigIsRefusedOrRebuiltWithForce() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 2, frames: 2)
        let plain = try RawFixture.job(dir.path + "/raw", dir.path + "/data")
        try plain.run()
        var noisy = PreprocessConfig()
        noisy.noise = [.gaussian(fwtmMetres: 0.02)]
        var other = try RawFixture.job(dir.path + "/raw", dir.path + "/data", config: noisy)
        do {
            try other.run()
            Issue.record("a re-run with another config was accepted")
        } catch let error as PreprocessError {
            #expect(
                "\(error)".contains("clips/clip0.json") && "\(error)".contains("--force") && "\(error)".contains("gaussian"), "\(error)")
        }
        #expect(try plain.run().isEmpty, "the same settings: every clip done already")
        other.force = true
        #expect(try other.run().count == 2, "rebuilt with --force")
        _ = try other.merge()
        let written = try JSON.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/data/manifest.json"))))
        #expect(written["preprocess"]?["config"]?["noise"]?.arrayValue?.count == 1)
        #expect(written["preprocess"]?["label_map_crc32"]?.stringValue?.count == 8)
        #expect(written["canopy_version"]?.stringValue?.hasPrefix(CanopyVersion.number) == true)
        // A merge naming another config (or with another label map) is refused too.
        var mismatch = try RawFixture.job(dir.path + "/raw", dir.path + "/data")
        mismatch.checksConfigAtMerge = true
        #expect(throws: PreprocessError.self) { try mismatch.merge() }
    }
}

/// A raw frame's meta file is read strictly: unreadable or with a key Canopy does not know, it is
/// named, never skipped in silence.
@Suite struct StrictMetaTests {
    @Test func aBrokenOrMistypedMetaFileIsNamed() throws {
        let dir = try TemporaryDirectory()
        try RawFixture.write(to: dir.path + "/raw", clips: 1, frames: 2)
        let meta = dir.path + "/raw/meta/clip00-0001.json"
        try "{ not json".write(toFile: meta, atomically: true, encoding: .utf8)
        #expect(throws: PreprocessError.self) { try RawDataset.scan(dir.path + "/raw") }
        try #"{"clip": "clip0", "frame": 1, "camrea": {}}"#.write(toFile: meta, atomically: true, encoding: .utf8)
        do {
            _ = try RawDataset.scan(dir.path + "/raw")
            Issue.record("a mistyped meta key was accepted")
        } catch {
            #expect("\(error)".contains(meta) && "\(error)".contains(#"did you mean "camera"?"#), "\(error)")
        }
    }
}
