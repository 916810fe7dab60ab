import ArgumentParser
import Foundation
import RDTCore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a tree between glimpse JSON and binary .rdt (by the files' extensions).")

    @Argument(help: "The tree to read (.json or .rdt).") var input: String
    @Argument(help: "The tree to write (.json or .rdt).") var output: String

    func validate() throws {
        for (what, path) in [("input", input), ("output", output)] where !(path.hasSuffix(".json") || path.hasSuffix(".rdt")) {
            throw ValidationError("the \(what) \(path) must end in .json or .rdt (the extension says the format)")
        }
    }

    func run() throws {
        let tree = try TreeFile.load(input)
        try TreeFile.save(tree, to: output)
        print("\(input) -> \(output): depth \(tree.depth), \(tree.labelCount) labels, \(tree.leafCount) leaves")
    }
}
