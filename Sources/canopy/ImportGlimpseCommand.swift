import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

struct ImportGlimpse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-glimpse",
        abstract: "Turn a glimpse pre-processed directory (depth/*.exr, labels/*.png, meta.json, index.*) into a dataset.")

    @Argument(help: "glimpse pre-processed directory.") var source: String
    @Argument(help: "Dataset folder to write.") var destination: String
    @Option(help: "Frames per shard.") var framesPerShard = 256

    func validate() throws { try checkFramesPerShard(framesPerShard) }

    func run() throws {
        var job = GlimpseImport(source: source, destination: destination)
        job.framesPerShard = framesPerShard
        try job.run { print($0) }
    }
}
