import ArgumentParser
import Dataset
import Drawing
import Foundation
import ImagePipeline

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Draw a contact sheet of a dataset's frames as training sees them: depth after noise, labels after mapping, mirrored copies framed in yellow."
    )

    @Argument(help: "Dataset folder (with manifest.json).") var dataset: String
    @Option(help: "Show the frames of this index, in its order (default: the dataset's frames in order).") var index: String?
    @Option(help: "How many frames.") var frames = 12
    @Option(help: "Frames per row.") var columns = 4
    @Option(help: "The picture to write (.png).") var out = "show.png"

    func validate() throws {
        guard (1...1000).contains(frames) else { throw ValidationError("--frames must be 1...1000, got \(frames)") }
        guard (1...100).contains(columns) else { throw ValidationError("--columns must be 1...100, got \(columns)") }
        guard out.hasSuffix(".png") else { throw ValidationError("--out \(out): the picture is a PNG; end the name in .png") }
    }

    func run() throws {
        let manifest = try DatasetManifest(root: dataset)
        let ids = try index.map { try manifest.index($0) } ?? manifest.frames.map(\.id)
        let byID = Dictionary(manifest.frames.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var readers: [String: ShardReader] = [:]
        var shown: [(name: String, depth: [UInt16], labels: [UInt8], flipped: Bool)] = []
        var size: (Int, Int)?
        for id in ids.prefix(frames) {
            guard let entry = byID[id] else {
                throw CommandFailure("index \(index ?? "") names frame \(id), which \(dataset)/manifest.json does not list")
            }
            let reader = try readers[entry.shard] ?? ShardReader(path: dataset + "/shards/" + entry.shard)
            readers[entry.shard] = reader
            let frame = try reader.frame(entry.index)
            let (depth, labels) = Pictures.uncrop(frame, background: UInt16(manifest.backgroundDepthMM))
            guard size == nil || size! == (frame.width, frame.height) else {
                throw CommandFailure("\(dataset): frame \(id) is \(frame.width)x\(frame.height), the first \(size!.0)x\(size!.1)")
            }
            size = (frame.width, frame.height)
            shown.append((entry.name, depth, labels, entry.flipped))
        }
        guard let (w, h) = size else { throw CommandFailure("\(dataset): no frames to show") }
        try Pictures.frameSheet(
            shown, width: w, height: h, columns: columns, background: UInt16(manifest.backgroundDepthMM),
            palette: LabelPalette(names: manifest.labelMap.names), to: out)
        print("\(out): \(shown.count) frames (\(shown.filter(\.flipped).count) mirrored, framed in yellow)")
    }
}
