import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

/// A rendered frame with ground-truth joints: raw/depth/NAME.png and raw/meta/NAME.json.
struct TruthFrame {
    let name: String
    let depth: [UInt16]
    let camera: Camera
    let joints: [BodyPoint: SIMD3<Float>]

    static func list(raw: String, maxFrames: Int) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: raw + "/meta"))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        guard !names.isEmpty else { throw CommandFailure("\(raw)/meta: no rendered frames with joints (canopy render writes them)") }
        let step = max(1, names.count / max(1, maxFrames))
        return stride(from: 0, to: names.count, by: step).prefix(maxFrames).map { String(names[$0].dropLast(5)) }
    }

    init(raw: String, name: String) throws {
        self.name = name
        let metaPath = raw + "/meta/" + name + ".json"
        guard let data = FileManager.default.contents(atPath: metaPath), let meta = try? JSON.parse([UInt8](data)),
            let w = meta["camera"]?["width"]?.intValue, let h = meta["camera"]?["height"]?.intValue,
            let fov = meta["camera"]?["vertical_fov"]?.doubleValue, let joints = meta["joints"]
        else {
            throw CommandFailure("\(metaPath): not a render meta file with camera and joints")
        }
        camera = Camera(width: w, height: h, verticalFOVDegrees: fov)
        var points: [BodyPoint: SIMD3<Float>] = [:]
        for p in BodyPoint.allCases {
            if let v = joints[p.rawValue]?.arrayValue?.compactMap(\.doubleValue), v.count == 3 {
                points[p] = SIMD3(Float(v[0]), Float(v[1]), Float(v[2]))
            }
        }
        self.joints = points
        let path = raw + "/depth/" + name + ".png"
        let image = try PNGImage.read(path)
        guard image.width == w, image.height == h else {
            throw CommandFailure("\(path): \(image.width)x\(image.height), its meta says \(w)x\(h)")
        }
        depth = try image.grey16(path: path)
    }
}
