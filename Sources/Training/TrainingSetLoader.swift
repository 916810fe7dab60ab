import Dataset
import Foundation
import RDTCore

/// Errors loading training data; one line each.
public enum TrainingDataError: Error, CustomStringConvertible, Equatable {
    case unknownFrame(id: UInt64, index: String)
    case emptyIndex(path: String)
    case noCamera(String)
    case noPixels

    public var description: String {
        switch self {
        case let .unknownFrame(id, index): return "index \(index) names frame \(id), which the dataset's manifest does not list"
        case .emptyIndex(let path): return "\(path): the index lists no frames; build it again with `canopy index` and a count above 0"
        case .noCamera(let root): return "\(root)/manifest.json has no camera (width, height, vertical_fov); pre-process with meta files"
        case .noPixels: return "the training frames have no body pixels to sample"
        }
    }
}

/// Reads shard frames into a `LocalTrainingData`.
public enum TrainingSetLoader {
    /// Loads `frames` (a subset of `uses.frames`) from the dataset, shard by shard; each shard is
    /// opened once, its whole-file CRC checked against the manifest, and every frame's CRC as it is read.
    public static func load(
        manifest: DatasetManifest, frames: [UInt64], uses: FrameUses,
        into data: LocalTrainingData
    ) throws {
        let byID = Dictionary(manifest.frames.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var byShard: [String: [ManifestFrame]] = [:]
        for id in frames {
            guard let f = byID[id] else { throw TrainingDataError.unknownFrame(id: id, index: "?") }
            byShard[f.shard, default: []].append(f)
        }
        for shard in byShard.keys.sorted() {
            let reader = try ShardReader(path: manifest.root + "/shards/" + shard)
            // Another valid shard under the same name (a re-run, a copy from elsewhere) is caught
            // here: the whole file must have the CRC the manifest recorded.
            if let expected = manifest.shardChecksums[shard] {
                let actual = reader.checksum
                if actual != expected {
                    // A damaged frame is named by its own CRC; otherwise the shard was swapped.
                    for i in 0..<reader.count { _ = try reader.frame(i) }
                    throw ShardError.corrupt(
                        path: reader.path, frame: nil,
                        problem: String(
                            format: "its CRC-32 is %08x where manifest.json recorded %08x: the shard changed after the merge; "
                                + "re-run the pre-processing merge (or restore the shard)", actual, expected))
                }
            }
            for f in byShard[shard]!.sorted(by: { $0.index < $1.index }) {
                let frame = try reader.frame(f.index)
                data.addFrame(
                    depth: frame.depth, labels: frame.labels, width: frame.cropWidth, height: frame.cropHeight,
                    originX: frame.cropX, originY: frame.cropY, uses: uses.uses[f.id] ?? [])
            }
        }
        data.finishLoading()
    }

    /// The trees' indexes, checked against the manifest.
    public static func indexes(_ names: [String], manifest: DatasetManifest) throws -> [[UInt64]] {
        let known = Set(manifest.frames.map(\.id))
        return try names.map { name in
            let ids = try manifest.index(name)
            guard !ids.isEmpty else { throw TrainingDataError.emptyIndex(path: manifest.root + "/index/" + name + ".txt") }
            if let bad = ids.first(where: { !known.contains($0) }) { throw TrainingDataError.unknownFrame(id: bad, index: name) }
            return ids
        }
    }
}
