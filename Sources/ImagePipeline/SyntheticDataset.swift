import Dataset
import Foundation
import RDTCore

/// A dataset of synthetic 320x240 bodies for benchmarks and tests: raw frames, pre-processed
/// without flips, and one index per tree ("tree0", ...) holding every frame once.
public enum SyntheticDataset {
    /// Writes `DIR/raw` and the dataset `DIR/data`.
    public static func make(in dir: String, frames: Int, trees: Int, labelMap: String, seed: UInt64 = 21) throws {
        let map = try LabelMap(contentsOf: labelMap)
        try SyntheticRawFrames.write(to: dir + "/raw", frames: frames, width: 320, height: 240, map: map, seed: seed)
        var config = PreprocessConfig()
        config.noFlip = true
        let job = PreprocessJob(
            source: dir + "/raw", destination: dir + "/data",
            processor: FrameProcessor(labelMap: map, config: config), labelMapJSON: map.json)
        try job.run()
        _ = try job.merge()
        var indexer = DatasetIndexer(manifest: try DatasetManifest(root: dir + "/data"))
        indexer.withoutReplacement = true
        try indexer.write((0..<trees).map { ("tree\($0)", frames) })
    }
}
