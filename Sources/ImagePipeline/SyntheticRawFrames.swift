import Dataset
import Foundation
import RDTCore

/// Synthetic raw frames as `canopy render` writes them (render label values, 16-bit depth, meta with
/// the camera): bodies from `SyntheticBody`, named CLIP-FRAME over `clips` clips. For benchmarks and tests.
public enum SyntheticRawFrames {
    public static func write(to dir: String, frames: Int, width: Int, height: Int, map: LabelMap, clips: Int = 4, seed: UInt64) throws {
        for i in 0..<frames {
            let body = SyntheticBody.frame(width: width, height: height, labels: map.count, seed: seed, index: i)
            try writeFrame(
                to: dir, name: String(format: "synthetic%d-%05d", i % clips, i), clip: "synthetic\(i % clips)", frame: i,
                depth: body.depth, labels: body.labels, width: width, height: height, map: map)
        }
    }

    /// Writes one raw frame: depth (0 where no body), labels as their render values, meta with the camera.
    public static func writeFrame(
        to dir: String, name: String, clip: String, frame: Int, depth: [UInt16], labels: [UInt8], width: Int, height: Int,
        map: LabelMap, verticalFOV: Double = 43.940769
    ) throws {
        for sub in ["depth", "labels", "meta"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        let raw = labels.map { UInt8(map.labels[Int($0)].inputs[0]) }
        let bodyDepth = zip(depth, labels).map { $1 == 0 ? UInt16(0) : $0 }
        try PNGImage(width: width, height: height, channels: 1, samples: .u16(bodyDepth)).write(dir + "/depth/\(name).png")
        try PNGImage(width: width, height: height, channels: 1, samples: .u8(raw)).write(dir + "/labels/\(name).png")
        let camera = JSON.object([("width", .int(width)), ("height", .int(height)), ("vertical_fov", .double(verticalFOV))])
        let meta = JSON.object([("clip", .string(clip)), ("frame", .int(frame)), ("camera", camera)])
        try AtomicFile.write(Array(meta.serialized().utf8), to: dir + "/meta/\(name).json")
    }
}
