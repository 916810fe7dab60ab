import Foundation
import RDTCore

/// Errors building or reading frame indexes; one line each.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    case noManifest(String)
    case badManifest(path: String, problem: String)
    case missingIndex(path: String)
    case badIndex(path: String, problem: String)
    case badCamera(path: String, problem: String)
    case tooFew(name: String, wanted: Int, available: Int)
    case duplicateName(String)

    public var description: String {
        switch self {
        case .noManifest(let dir): return "\(dir)/manifest.json: missing; run `canopy preprocess ... --merge` first"
        case let .badManifest(path, problem): return "\(path): not a valid manifest: \(problem)"
        case .missingIndex(let path): return "\(path): no such index; build it with `canopy index`"
        case let .badCamera(path, problem): return "\(path): unusable camera: \(problem); correct the meta files and merge again"
        case let .badIndex(path, problem): return "\(path): not a valid index: \(problem); build it again with `canopy index`"
        case let .tooFew(name, wanted, available):
            return "index \(name): \(wanted) frames wanted without replacement, only \(available) available"
        case .duplicateName(let name): return "index \(name) is named twice; each index needs its own name"
        }
    }
}

/// One frame as a manifest lists it.
public struct ManifestFrame: Equatable, Sendable {
    public var id: UInt64
    public var name: String
    public var clip: String
    public var shard: String
    public var index: Int
    public var flipped: Bool
}

/// A pre-processed dataset's manifest.json.
public struct DatasetManifest: Sendable {
    public var root: String
    public var frames: [ManifestFrame]
    public var labelMap: LabelMap
    public var camera: Camera?
    public var backgroundDepthMM: Int
    /// Each shard's CRC-32 as the merge recorded it (file name -> CRC), checked when training loads it.
    public var shardChecksums: [String: UInt32] = [:]

    /// The format this version reads and writes.
    public static let format = "canopy-dataset-1"

    /// Where a dataset's manifest is.
    public static func path(_ root: String) -> String { root + "/manifest.json" }

    public init(root: String) throws {
        let path = Self.path(root)
        guard let data = FileManager.default.contents(atPath: path) else { throw IndexError.noManifest(root) }
        func bad(_ p: String) -> IndexError { .badManifest(path: path, problem: p) }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        guard json["format"]?.stringValue == Self.format else {
            throw bad(
                "its format is \(json["format"]?.serialized(pretty: false) ?? "missing"), this Canopy reads \(Self.format); pre-process the dataset again with this version"
            )
        }
        guard let list = json["frames"]?.arrayValue else { throw bad("no \"frames\" list") }
        frames = try list.enumerated().map { i, f in
            guard let id = f["id"]?.intValue, id >= 0, let shard = f["shard"]?.stringValue, let index = f["index"]?.intValue
            else { throw bad("frame entry \(i) lacks id, shard or index") }
            return ManifestFrame(
                id: UInt64(id), name: f["name"]?.stringValue ?? "", clip: f["clip"]?.stringValue ?? "",
                shard: shard, index: index, flipped: f["flipped"]?.boolValue ?? false)
        }
        guard let labels = json["labels"] else { throw bad("no \"labels\"") }
        do { labelMap = try LabelMap(json: labels, source: path) } catch { throw bad("\(error)") }
        if let c = json["camera"], let w = c["width"]?.intValue, let h = c["height"]?.intValue,
            let fov = c["vertical_fov"]?.doubleValue
        {
            guard w > 0, h > 0, fov.isFinite, fov > 1, fov < 170 else {
                throw bad("its camera must have width and height > 0 and vertical_fov in (1, 170) degrees")
            }
            camera = Camera(width: w, height: h, verticalFOVDegrees: fov)
        }
        backgroundDepthMM = Int(((json["background_depth_m"]?.doubleValue ?? 32) * 1000).rounded())
        for (i, s) in (json["shards"]?.arrayValue ?? []).enumerated() {
            guard let file = s["file"]?.stringValue, let hex = s["crc32"]?.stringValue, let crc = UInt32(hex, radix: 16) else {
                throw bad("shard entry \(i) lacks file or a hexadecimal crc32")
            }
            shardChecksums[file] = crc
        }
        self.root = root
    }

    /// Reads index/NAME.txt: one frame id per line.
    public func index(_ name: String) throws -> [UInt64] {
        let path = root + "/index/" + name + ".txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw IndexError.missingIndex(path: path) }
        return try text.split(separator: "\n").enumerated().map { i, line in
            guard let id = UInt64(line.trimmingCharacters(in: .whitespaces)) else {
                throw IndexError.badIndex(path: path, problem: "line \(i + 1) is not a frame id")
            }
            return id
        }
    }

    /// Writes DESTINATION/manifest.json for the clips pre-processed into it (every shard is read
    /// back: its frames listed, its CRC-32 recorded); returns the manifest.
    public static func write(
        destination: String, clips results: [ClipResult], settings: JSON? = nil, camera: JSON?,
        cameraSource: String = "the meta files",
        labels: JSON, labelCount: Int, backgroundDepthMM: Int,
        log: (String) -> Void = { _ in }
    ) throws -> JSON {
        var shardList: [JSON] = [], frameList: [JSON] = []
        var width = 0, height = 0
        for r in results {
            for (file, frames) in r.shards {
                let path = destination + "/shards/" + file
                let reader = try ShardReader(path: path)
                guard reader.count == frames else {
                    throw ShardError.corrupt(path: path, frame: nil, problem: "holds \(reader.count) frames, its clip recorded \(frames)")
                }
                for i in 0..<reader.count {
                    let f = try reader.frame(i)
                    width = f.width
                    height = f.height
                    frameList.append(
                        .object([
                            ("id", .int(f.id)), ("name", .string(f.name)), ("clip", .string(r.clip)),
                            ("shard", .string(file)), ("index", .int(i)), ("flipped", .bool(f.flipped)),
                            ("body_pixels", .int(f.bodyPixels)),
                        ]))
                }
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                shardList.append(
                    .object([
                        ("file", .string(file)), ("frames", .int(frames)),
                        ("crc32", .string(String(format: "%08x", CRC32.checksum(bytes)))),
                    ]))
            }
        }
        // The camera the meta files give must describe these frames: a forest trained on a wrong one
        // would not load.
        if let camera {
            func bad(_ p: String) -> IndexError { .badCamera(path: cameraSource, problem: p) }
            guard let fov = camera["vertical_fov"]?.doubleValue, fov.isFinite, fov > 1, fov < 170 else {
                throw bad(
                    "vertical_fov must be a number of degrees in (1, 170), got \(camera["vertical_fov"]?.serialized(pretty: false) ?? "none")"
                )
            }
            if let w = camera["width"]?.intValue, let h = camera["height"]?.intValue {
                guard frameList.isEmpty || (w == width && h == height) else {
                    throw bad("the camera is \(w)x\(h) but the frames are \(width)x\(height)")
                }
            } else {
                throw bad("the camera needs width and height in pixels")
            }
        }
        let stats = results.reduce(into: (0, 0, 0, 0)) {
            $0.0 += $1.rawFrames
            $0.1 += $1.kept
            $0.2 += $1.droppedSmall
            $0.3 += $1.droppedStatic
        }
        let manifest = JSON.object([
            ("format", .string(format)),
            ("canopy_version", .string(CanopyVersion.description)),
            ("preprocess", settings ?? .null),
            ("camera", camera ?? .object([("width", .int(width)), ("height", .int(height))])),
            ("labels", labels),
            ("n_labels", .int(labelCount)),
            ("background_depth_m", .double(Double(backgroundDepthMM) / 1000)),
            ("shards", .array(shardList)),
            ("frames", .array(frameList)),
            (
                "stats",
                .object([
                    ("raw_frames", .int(stats.0)), ("kept", .int(stats.1)), ("dropped_small", .int(stats.2)),
                    ("dropped_static", .int(stats.3)), ("frames", .int(frameList.count)),
                ])
            ),
        ])
        try AtomicFile.write(Array(manifest.serialized().utf8), to: path(destination))
        log(
            "manifest: \(frameList.count) frames in \(shardList.count) shards (\(stats.1) raw frames kept, "
                + "\(stats.2) too small, \(stats.3) unchanged)")
        return manifest
    }
}
