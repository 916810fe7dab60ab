import Dataset
import Foundation
import RDTCore

/// Synthetic raw frames as `canopy render` writes them (render label values, 16-bit depth, meta with
/// the camera): bodies from `SyntheticBody`, named CLIP-FRAME over `clips` clips. For benchmarks and tests.
public enum SyntheticRawFrames {
    public static func write(to dir: String, frames: Int, width: Int, height: Int, map: LabelMap, clips: Int = 4, seed: UInt64) throws {
        for sub in ["depth", "labels", "meta"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        for i in 0..<frames {
            let body = SyntheticBody.frame(width: width, height: height, labels: map.count, seed: seed, index: i)
            let raw = body.labels.map { UInt8(map.labels[Int($0)].inputs[0]) }
            let depth = zip(body.depth, body.labels).map { $1 == 0 ? UInt16(0) : $0 }
            let name = String(format: "synthetic%d-%05d", i % clips, i)
            try PNGImage(width: width, height: height, channels: 1, samples: .u16(depth)).write(dir + "/depth/\(name).png")
            try PNGImage(width: width, height: height, channels: 1, samples: .u8(raw)).write(dir + "/labels/\(name).png")
            let meta = JSON.object([
                ("clip", .string("synthetic\(i % clips)")), ("frame", .int(i)),
                (
                    "camera",
                    .object([
                        ("width", .int(width)), ("height", .int(height)),
                        ("vertical_fov", .double(43.940769)),
                    ])
                ),
            ])
            try AtomicFile.write(Array(meta.serialized().utf8), to: dir + "/meta/\(name).json")
        }
    }
}
