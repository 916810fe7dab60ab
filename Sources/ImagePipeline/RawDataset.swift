import Dataset
import Foundation
import RDTCore

/// A raw frame on disk: depth/NAME.png (16-bit mm), labels/NAME.png (8-bit render values),
/// optional meta/NAME.json (clip, frame, camera, joints).
public struct RawFrameRef: Equatable, Sendable {
    public var name: String
    public var clip: String
    public var frame: Int
    /// Position in the whole dataset's sorted frame list; frame ids derive from it.
    public var index: Int
    public var root: String

    public var depthPath: String { root + "/depth/" + name + ".png" }
    public var labelPath: String { root + "/labels/" + name + ".png" }
    public var metaPath: String { root + "/meta/" + name + ".json" }
}

public enum RawDataset {
    /// The keys of a raw frame's meta file, as `canopy render` writes it.
    static let metaKeys = InputKeys(["clip", "frame", "camera", "joints"], harmless: ["body"])
    static let cameraKeys = InputKeys(["width", "height", "vertical_fov", "position"])

    /// The raw frames under `root`, sorted by (clip, frame, name). The clip and frame come from the
    /// meta file, else from a name "CLIP-FRAME" (or "CLIP_FRAME"), else the whole name is the clip.
    public static func scan(_ root: String) throws -> [RawFrameRef] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/depth")) ?? [])
            .filter { $0.hasSuffix(".png") }.map { String($0.dropLast(4)) }
        guard !names.isEmpty else { throw PreprocessError.noFrames(root) }
        var refs: [RawFrameRef] = try names.map { name in
            var clip = name, frame = 0, named = false
            let metaPath = root + "/meta/" + name + ".json"
            if let data = FileManager.default.contents(atPath: metaPath) {
                let meta: JSON
                do { meta = try JSON.parse([UInt8](data)) } catch {
                    throw PreprocessError.badFrame(path: metaPath, problem: "not a meta file: \(error)")
                }
                try metaKeys.check(meta, path: metaPath, what: "frame meta")
                if let camera = meta["camera"] { try cameraKeys.check(camera, path: metaPath, what: "frame meta's camera") }
                if let c = meta["clip"]?.stringValue {
                    clip = c
                    frame = meta["frame"]?.intValue ?? 0
                    named = true
                }
            }
            if !named, let cut = name.lastIndex(where: { $0 == "-" || $0 == "_" }), let f = Int(name[name.index(after: cut)...]) {
                clip = String(name[..<cut])
                frame = f
            }
            return RawFrameRef(name: name, clip: clip, frame: frame, index: 0, root: root)
        }
        refs.sort { ($0.clip, $0.frame, $0.name) < ($1.clip, $1.frame, $1.name) }
        for i in refs.indices { refs[i].index = i }
        return refs
    }
}
