import Dataset
import Foundation
import RDTCore

/// The pre-processing of one frame (glimpse image-pre-processor semantics).
public struct FrameProcessor: Sendable {
    public let labelMap: LabelMap
    public let config: PreprocessConfig

    public init(labelMap: LabelMap, config: PreprocessConfig) {
        self.labelMap = labelMap
        self.config = config
    }

    /// Reads a raw frame and maps its labels; a raw value the map does not list is an error.
    public func load(_ ref: RawFrameRef) throws -> (depth: [UInt16], labels: [UInt8], width: Int, height: Int) {
        let dimg = try PNGImage.read(ref.depthPath)
        let depth = try dimg.grey16(path: ref.depthPath)
        let limg = try PNGImage.read(ref.labelPath)
        let raw = try limg.grey8(path: ref.labelPath)
        guard limg.width == dimg.width, limg.height == dimg.height else {
            throw PreprocessError.badFrame(
                path: ref.labelPath,
                problem:
                    "is \(limg.width)x\(limg.height) but its depth image is \(dimg.width)x\(dimg.height)")
        }
        // 255 marks raw values the map does not list (packed labels are 0...254).
        let table = (0..<256).map { labelMap.packed(UInt8($0)) ?? 255 }
        var labels = [UInt8](repeating: 0, count: raw.count)
        let unknown: Int? = labels.withUnsafeMutableBufferPointer { out in
            raw.withUnsafeBufferPointer { r in
                table.withUnsafeBufferPointer { t in
                    var bad: Int?
                    for i in 0..<r.count {
                        let p = t[Int(r[i])]
                        out[i] = p
                        if p == 255 && bad == nil { bad = i }
                    }
                    return bad
                }
            }
        }
        if let i = unknown {
            throw PreprocessError.badFrame(
                path: ref.labelPath,
                problem:
                    "label value \(raw[i]) at (\(i % limg.width), \(i / limg.width)) is not in the label map; check --label-map")
        }
        return (depth, labels, dimg.width, dimg.height)
    }

    /// Body pixels: a label other than background and a depth reading.
    public static func bodyPixels(_ labels: [UInt8], _ depth: [UInt16]) -> Int {
        zip(labels, depth).reduce(0) { $0 + ($1.0 != 0 && $1.1 != 0 ? 1 : 0) }
    }

    /// Percent of the union of two frames' body pixels whose label differs.
    public static func changePercent(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var union = 0, changed = 0
        for (x, y) in zip(a, b) where x != 0 || y != 0 {
            union += 1
            if x != y { changed += 1 }
        }
        return union == 0 ? 0 : 100 * Double(changed) / Double(union)
    }

    /// Mirrors a frame left-right and swaps labels with their `opposite`.
    public func flipped(_ depth: [UInt16], _ labels: [UInt8], width: Int, height: Int) -> ([UInt16], [UInt8]) {
        var d = depth, l = labels
        d.withUnsafeMutableBufferPointer { d in
            l.withUnsafeMutableBufferPointer { l in
                depth.withUnsafeBufferPointer { sd in
                    labels.withUnsafeBufferPointer { sl in
                        labelMap.flipMap.withUnsafeBufferPointer { flip in
                            for y in 0..<height {
                                for x in 0..<width {
                                    let src = y * width + (width - 1 - x)
                                    d[y * width + x] = sd[src]
                                    l[y * width + x] = flip[Int(sl[src])]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (d, l)
    }

    /// Noise (seeded by the frame id), background depth, crop to the body box.
    public func finish(
        id: UInt64, name: String, depth: [UInt16], labels: [UInt8], width: Int, height: Int,
        flipped: Bool
    ) -> ShardFrame {
        var d = depth, l = labels
        var rng = DeterministicRandom(config.seed, id, 0x9015E)
        for op in config.noise { Noise.apply(op, depth: &d, labels: &l, width: width, height: height, rng: &rng) }
        let bg = UInt16(config.backgroundDepthMM)
        d.withUnsafeMutableBufferPointer { d in
            l.withUnsafeMutableBufferPointer { l in
                for i in 0..<d.count {
                    if l[i] == 0 || d[i] == 0 {
                        d[i] = bg
                        l[i] = 0
                    } else if d[i] >= bg {
                        d[i] = bg - 1
                    }
                }
            }
        }
        let c = BodyBox.crop(depth: d, labels: l, width: width, height: height)
        return ShardFrame(
            id: id, name: flipped ? name + "-flipped" : name, width: width, height: height,
            cropX: c.originX, cropY: c.originY, cropWidth: c.width, cropHeight: c.height,
            flipped: flipped, depth: c.depth, labels: c.labels)
    }
}
