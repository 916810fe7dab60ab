import ArgumentParser
import Dataset
import Drawing
import Foundation
import ImagePipeline
import RDTCore

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Label depth images with a forest: NAME-labels.png (palette PNG of packed labels), NAME-overlay.png, optional probabilities and joints."
    )

    @Option(help: "A tree file of the forest (.json or .rdt), once per tree, or the forest's folder.") var forest: [String]
    @Argument(help: "16-bit depth PNGs in millimetres (0 = no reading).") var depth: [String]
    @Option(help: "Output folder.") var out = "infer"
    @Flag(help: "Average with the mirrored image (flip test-time augmentation).") var flipTta = false
    @Flag(help: "Also write NAME-probabilities.f32: width x height x labels little-endian floats.") var probabilities = false
    @Option(help: "glimpse joint map: also infer joints (NAME-joints.json) and draw the skeleton on the overlay.") var jointMap: String?
    @Option(help: "Joint parameters from canopy train-joints (default: bandwidth 0.08 m, threshold 0.3, offset 0.03 m).")
    var jointParams: String?
    @Flag(help: "Joints by weighted mean instead of mean-shift (faster, less robust).") var fastJoints = false

    func run() throws {
        let trees = try TreeFile.loadForest(forest)
        let compiled = CompiledForest(trees)
        let map = try jointMap.map { try JointMap(contentsOf: $0, labelCount: compiled.labelCount) }
        let params = try map.map { m in
            try jointParams.map { try JointParameters.load($0, map: m) } ?? m.joints.map { _ in JointParameters() }
        }
        try AtomicFile.makeDirectory(out)
        let palette = LabelPalette(names: trees[0].labels.map(\.name))
        var probs: [Float] = []
        for path in depth {
            let image = try PNGImage.read(path)
            let mm = try image.grey16(path: path)
            let start = Date()
            Inference.probabilities(compiled, depth: mm, width: image.width, height: image.height, flip: flipTta, into: &probs)
            let labels = Inference.labels(probs, labelCount: compiled.labelCount)
            let ms = Date().timeIntervalSince(start) * 1000
            let name = out + "/" + URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            // A palette PNG, as glimpse's label images: pixels are packed labels, viewers show colours.
            try PNGImage(
                width: image.width, height: image.height, channels: 1, samples: .u8(labels),
                palette: palette.triples
            ).write(name + "-labels.png")
            // Overlay: depth in grey, body pixels in their label's colour blended over it.
            let grey = Pictures.grey(mm, background: compiled.backgroundDepthMM)
            var rgb = [UInt8](repeating: 0, count: mm.count * 3)
            for i in 0..<mm.count {
                let g = grey[i]
                let c = palette[Int(labels[i])]
                let a = labels[i] == 0 ? 0.0 : 0.6
                let mixed = RGB(g, g, g).blended(with: c, a)
                rgb[3 * i] = mixed.r
                rgb[3 * i + 1] = mixed.g
                rgb[3 * i + 2] = mixed.b
            }
            let overlay = Canvas(width: image.width, height: image.height)
            overlay.image(rgb, width: image.width, height: image.height, x: 0, y: 0)
            if let map, let params {
                let camera = Camera(width: image.width, height: image.height, verticalFOV: trees[0].verticalFOV)
                let joints = JointInference.joints(
                    probabilities: probs, labelCount: compiled.labelCount, depth: mm, camera: camera,
                    map: map, parameters: params, backgroundDepthMM: compiled.backgroundDepthMM,
                    fast: fastJoints)
                let pixel = joints.map { $0.map { camera.project(SIMD3<Double>(Double($0.x), Double($0.y), Double($0.z))) } }
                for (a, b) in map.bones {
                    if let p = pixel[a], let q = pixel[b] {
                        overlay.line([p, q], .white, width: 2)
                    }
                }
                for p in pixel.compactMap({ $0 }) {
                    overlay.dot(p, radius: 2.5, RGB(255, 255, 0))
                }
                let json = JSON.object([
                    (
                        "joints",
                        .array(
                            zip(map.joints, joints).map { j, p in
                                .object([
                                    ("joint", .string(j.name)),
                                    (
                                        "position",
                                        p.map { .array([.double(Double($0.x)), .double(Double($0.y)), .double(Double($0.z))]) } ?? .null
                                    ),
                                ])
                            })
                    )
                ])
                try AtomicFile.write(Array(json.serialized().utf8), to: name + "-joints.json")
            }
            try PNGImage(overlay).write(name + "-overlay.png")
            if probabilities {
                try AtomicFile.write(probs.withUnsafeBytes { Array($0) }, to: name + "-probabilities.f32")
            }
            print(String(format: "%@: %dx%d, %.1f ms -> %@-labels.png, %@-overlay.png", path, image.width, image.height, ms, name, name))
        }
    }
}
