import ArgumentParser
import Dataset
import Foundation
import ImagePipeline

struct Index: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build frame indexes of a dataset: full, and named random samples (like glimpse-data-indexer.py).")

    @Argument(help: "Dataset folder (with manifest.json).") var dataset: String
    @Option(name: .customShort("i"), parsing: .upToNextOption, help: "NAME COUNT: an index of COUNT sampled frames (repeatable).")
    var index: [String] = []
    @Option(name: .customShort("e"), help: "Exclude the frames of an existing index (repeatable).") var exclude: [String] = []
    @Flag(name: [.customShort("w"), .long], help: "Sample each index without replacement.") var withoutReplacement = false
    @Option(help: "Keep only frames whose clip or name contains this text (repeatable).") var tag: [String] = []
    @Option(help: "Drop frames whose clip or name contains this text (repeatable).") var noTag: [String] = []
    @Flag(help: "Leave out mirrored copies.") var noFlipped = false
    @Option(help: "Seed for sampling (default: each index's name).") var seed: String?

    func run() throws {
        guard index.count % 2 == 0 else { throw ValidationError("-i takes NAME COUNT pairs") }
        var requests: [(name: String, count: Int)] = []
        for k in stride(from: 0, to: index.count, by: 2) {
            guard let n = Int(index[k + 1]), n >= 0 else { throw ValidationError("-i \(index[k]): COUNT must be a whole number") }
            requests.append((index[k], n))
        }
        var indexer = DatasetIndexer(manifest: try DatasetManifest(root: dataset))
        indexer.exclude = exclude
        indexer.withoutReplacement = withoutReplacement
        indexer.tags = tag
        indexer.notTags = noTag
        indexer.includeFlipped = !noFlipped
        indexer.seed = seed
        let written = try indexer.write(requests)
        for name in written.keys.sorted() {
            print("index \(name): \(written[name]!.count) frames (\(Set(written[name]!).count) distinct)")
        }
        for line in try indexer.overlapWarnings(after: requests.map(\.name)) {
            FileHandle.standardError.write(Data("canopy index: warning: \(line)\n".utf8))
        }
    }
}
