import Dataset
import Foundation
import RDTCore

/// Errors of a pre-processing run; one line naming the thing and what to do.
public enum PreprocessError: Error, CustomStringConvertible, Equatable {
    case noFrames(String)
    case badFrame(path: String, problem: String)
    case unfinished(missing: Int, total: Int, example: String)
    case invalidTask(String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .noFrames(let dir): return "\(dir): no raw frames (expected depth/NAME.png and labels/NAME.png)"
        case let .badFrame(path, problem): return "\(path): \(problem)"
        case let .unfinished(missing, total, example):
            return "\(missing) of \(total) clips are not pre-processed yet (e.g. \(example)); run the remaining array tasks, then --merge"
        case .invalidTask(let s): return "invalid task split: \(s)"
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}

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
    /// The raw frames under `root`, sorted by (clip, frame, name). The clip and frame come from the
    /// meta file, else from a name "CLIP-FRAME" (or "CLIP_FRAME"), else the whole name is the clip.
    public static func scan(_ root: String) throws -> [RawFrameRef] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/depth")) ?? [])
            .filter { $0.hasSuffix(".png") }.map { String($0.dropLast(4)) }
        guard !names.isEmpty else { throw PreprocessError.noFrames(root) }
        var refs: [RawFrameRef] = names.map { name in
            var clip = name, frame = 0
            if let data = FileManager.default.contents(atPath: root + "/meta/" + name + ".json"),
               let meta = try? JSON.parse([UInt8](data)), let c = meta["clip"]?.stringValue {
                clip = c
                frame = meta["frame"]?.intValue ?? 0
            } else if let cut = name.lastIndex(where: { $0 == "-" || $0 == "_" }), let f = Int(name[name.index(after: cut)...]) {
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
            throw PreprocessError.badFrame(path: ref.labelPath, problem:
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
            throw PreprocessError.badFrame(path: ref.labelPath, problem:
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
    public func finish(id: UInt64, name: String, depth: [UInt16], labels: [UInt8], width: Int, height: Int,
                       flipped: Bool) -> ShardFrame {
        var d = depth, l = labels
        var rng = DeterministicRandom(config.seed, id, 0x9015E)
        for op in config.noise { Noise.apply(op, depth: &d, labels: &l, width: width, height: height, rng: &rng) }
        let bg = UInt16(config.backgroundDepthMM)
        d.withUnsafeMutableBufferPointer { d in
            l.withUnsafeMutableBufferPointer { l in
                for i in 0..<d.count {
                    if l[i] == 0 || d[i] == 0 { d[i] = bg; l[i] = 0 } else if d[i] >= bg { d[i] = bg - 1 }
                }
            }
        }
        let c = BodyBox.crop(depth: d, labels: l, width: width, height: height)
        return ShardFrame(id: id, name: flipped ? name + "-flipped" : name, width: width, height: height,
                          cropX: c.originX, cropY: c.originY, cropWidth: c.width, cropHeight: c.height,
                          flipped: flipped, depth: c.depth, labels: c.labels)
    }
}

/// A pre-processing run over a raw dataset, split into array tasks by clip: task k of n takes the
/// clips at positions k, k+n, ... of the sorted clip list. Each clip becomes its own shards, so the
/// output files are the same whatever the split; a clip with a done-marker is skipped on re-runs.
public struct PreprocessJob {
    public var source: String
    public var destination: String
    public var processor: FrameProcessor
    public var labelMapJSON: JSON
    public var taskID = 0
    public var taskCount = 1
    public var framesPerShard = 256

    public init(source: String, destination: String, processor: FrameProcessor, labelMapJSON: JSON) {
        self.source = source
        self.destination = destination
        self.processor = processor
        self.labelMapJSON = labelMapJSON
    }

    static func fileName(_ clip: String) -> String {
        String(clip.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    func markerPath(_ clip: String) -> String { destination + "/clips/" + Self.fileName(clip) + ".json" }

    /// Runs this task's clips; returns the results of clips processed now (skipped ones are not listed).
    @discardableResult
    public func run(log: (String) -> Void = { _ in }) throws -> [ClipResult] {
        guard taskCount >= 1, taskID >= 0, taskID < taskCount else {
            throw PreprocessError.invalidTask("task id \(taskID) of \(taskCount) (ids are 0...count-1)")
        }
        let refs = try RawDataset.scan(source)
        let clips = Dictionary(grouping: refs, by: \.clip)
        let names = clips.keys.sorted()
        for dir in [destination, destination + "/shards", destination + "/clips"] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw PreprocessError.io(path: dir, reason: "cannot create folder")
            }
            // What a task killed mid-write on this host left (other hosts' tasks may be writing).
            for name in AtomicFile.removeStale(in: dir) { log("removed \(dir)/\(name), left by a task that died") }
        }
        var results: [ClipResult] = []
        for (i, clip) in names.enumerated() where i % taskCount == taskID {
            if FileManager.default.fileExists(atPath: markerPath(clip)) {
                log("clip \(clip): done already, skipped")
                continue
            }
            let result = try runClip(clip, clips[clip]!)
            results.append(result)
            log("clip \(clip): \(result.rawFrames) raw, \(result.kept) kept, \(result.droppedSmall) too small, "
                + "\(result.droppedStatic) unchanged, \(result.shards.count) shard(s)")
        }
        return results
    }

    func runClip(_ clip: String, _ frames: [RawFrameRef]) throws -> ClipResult {
        var result = ClipResult(clip: clip)
        result.rawFrames = frames.count
        var previous: [UInt8]?
        var writer: ShardWriter?
        func rotate() throws {
            if let w = writer {
                try w.finish()
                result.shards.append((String(w.path.split(separator: "/").last!), w.frameCount))
            }
            writer = nil
        }
        func append(_ frame: ShardFrame) throws {
            if writer == nil {
                let path = destination + "/shards/" + Self.fileName(clip) + String(format: "-%03d.", result.shards.count)
                    + ShardFormat.fileExtension
                writer = try ShardWriter(path: path)
            }
            try writer!.append(frame)
            if writer!.frameCount >= framesPerShard { try rotate() }
        }
        do {
            for ref in frames {
                let (depth, labels, w, h) = try processor.load(ref)
                if FrameProcessor.bodyPixels(labels, depth) < max(1, processor.config.minBodySizePixels) {
                    result.droppedSmall += 1
                    continue
                }
                if let prev = previous, processor.config.minBodyChangePercent > 0,
                   FrameProcessor.changePercent(prev, labels) < processor.config.minBodyChangePercent {
                    result.droppedStatic += 1
                    continue
                }
                previous = labels
                result.kept += 1
                let id = UInt64(ref.index) * 2
                try append(processor.finish(id: id, name: ref.name, depth: depth, labels: labels, width: w, height: h,
                                            flipped: false))
                if !processor.config.noFlip {
                    let (fd, fl) = processor.flipped(depth, labels, width: w, height: h)
                    try append(processor.finish(id: id + 1, name: ref.name, depth: fd, labels: fl, width: w, height: h,
                                                flipped: true))
                }
            }
            try rotate()
        } catch {
            writer?.abandon()
            throw error
        }
        try AtomicFile.write(Array(result.json.serialized().utf8), to: markerPath(clip))
        return result
    }

    /// Checks every clip is done, validates every shard, and writes manifest.json.
    public func merge(log: (String) -> Void = { _ in }) throws -> JSON {
        let refs = try RawDataset.scan(source)
        let clipNames = Set(refs.map(\.clip)).sorted()
        var results: [ClipResult] = []
        var missing: [String] = []
        for clip in clipNames {
            guard let data = FileManager.default.contents(atPath: markerPath(clip)),
                  let json = try? JSON.parse([UInt8](data)), let r = ClipResult(json: json) else {
                missing.append(clip)
                continue
            }
            results.append(r)
        }
        if let first = missing.first {
            throw PreprocessError.unfinished(missing: missing.count, total: clipNames.count, example: first)
        }
        var camera: JSON?
        if let data = FileManager.default.contents(atPath: refs[0].metaPath), let meta = try? JSON.parse([UInt8](data)) {
            camera = meta["camera"]
        }
        return try DatasetManifest.write(destination: destination, clips: results, camera: camera,
                                               labels: labelMapJSON, labelCount: processor.labelMap.count,
                                               backgroundDepthMM: processor.config.backgroundDepthMM, log: log)
    }
}
