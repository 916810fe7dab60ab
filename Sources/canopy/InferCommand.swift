import ArgumentParser
import Foundation
import ImagePipeline
import RDTCore

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label depth images with a forest: NAME-labels.png (packed labels), NAME-overlay.png, optional probabilities.")

    @Option(parsing: .upToNextOption, help: "Tree files of the forest (.json or .rdt).") var forest: [String]
    @Argument(help: "16-bit depth PNGs in millimetres (0 = no reading).") var depth: [String]
    @Option(help: "Output folder.") var out = "infer"
    @Flag(help: "Average with the mirrored image (flip test-time augmentation).") var flipTta = false
    @Flag(help: "Also write NAME-probabilities.f32: width x height x labels little-endian floats.") var probabilities = false

    func run() throws {
        let trees = try TreeFile.loadForest(forest)
        let compiled = CompiledForest(trees)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var probs: [Float] = []
        for path in depth {
            let image = try PNGImage.read(path)
            let mm = try image.grey16(path: path)
            let start = Date()
            Inference.probabilities(compiled, depth: mm, width: image.width, height: image.height, flip: flipTta, into: &probs)
            let labels = Inference.labels(probs, labelCount: compiled.labelCount)
            let ms = Date().timeIntervalSince(start) * 1000
            let name = out + "/" + URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            try PNGImage(width: image.width, height: image.height, channels: 1, samples: .u8(labels)).write(name + "-labels.png")
            // Overlay: depth in grey, body pixels in their label's colour blended over it.
            let grey = Pictures.grey(mm, background: compiled.backgroundDepthMM)
            var rgb = [UInt8](repeating: 0, count: mm.count * 3)
            for i in 0..<mm.count {
                let g = Double(grey[i])
                let c = Pictures.colour(packed: labels[i])
                let a = labels[i] == 0 ? 0.0 : 0.6
                rgb[3 * i] = UInt8(g * (1 - a) + Double(c.0) * a)
                rgb[3 * i + 1] = UInt8(g * (1 - a) + Double(c.1) * a)
                rgb[3 * i + 2] = UInt8(g * (1 - a) + Double(c.2) * a)
            }
            try PNGImage(width: image.width, height: image.height, channels: 3, samples: .u8(rgb)).write(name + "-overlay.png")
            if probabilities {
                try AtomicFile.write(probs.withUnsafeBytes { Array($0) }, to: name + "-probabilities.f32")
            }
            print(String(format: "%@: %dx%d, %.1f ms -> %@-labels.png, %@-overlay.png", path, image.width, image.height, ms, name, name))
        }
    }
}
