import Dataset
import Foundation
import ImagePipeline
import RDTCore
import TestSupport
import Testing
import Training

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
            let data = LocalTrainingData(
                parameters: p, candidates: [Candidates(parameters: p, camera: camera, tree: 0)],
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
