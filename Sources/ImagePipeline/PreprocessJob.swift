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
    case otherSettings(marker: String, recorded: String, now: String)

    public var description: String {
        switch self {
        case .noFrames(let dir): return "\(dir): no raw frames (expected depth/NAME.png and labels/NAME.png)"
        case let .badFrame(path, problem): return "\(path): \(problem)"
        case let .unfinished(missing, total, example):
            return "\(missing) of \(total) clips are not pre-processed yet (e.g. \(example)); run the remaining array tasks, then --merge"
        case .invalidTask(let s): return "invalid task split: \(s)"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .otherSettings(marker, recorded, now):
            return
                "\(marker): this clip was pre-processed with other settings (\(recorded)) than this run's (\(now)); pass --force to rebuild it with this run's, or write to another folder"
        }
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
    /// Rebuild clips whose done-marker records other settings (else such a clip is refused).
    public var force = false
    /// At the merge, also check the clips were made with this job's config (set when the merge
    /// command names one; the label map is always checked).
    public var checksConfigAtMerge = false

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

    /// What this run makes clips with: the pre-processor config (every setting), the label map's
    /// CRC-32 and the shard size. Recorded in each clip's done-marker and in manifest.json.
    public var settings: JSON {
        let map = CRC32.checksum(Array(labelMapJSON.serialized(pretty: false).utf8))
        return .object([
            ("config", processor.config.json), ("label_map_crc32", .string(String(format: "%08x", map))),
            ("frames_per_shard", .int(framesPerShard)),
        ])
    }

    /// Settings as one line of text, the same however they were read back.
    static func canonical(_ settings: JSON?) -> String {
        guard let settings else { return "none recorded" }
        return (try? JSON.parse(settings.serialized(pretty: false)))?.serialized(pretty: false) ?? settings.serialized(pretty: false)
    }

    /// Whether the clip is done with this run's settings; a clip done with other settings is
    /// refused, or with `force` its marker and shards are removed so it is made again.
    func isDone(_ clip: String, log: (String) -> Void) throws -> Bool {
        let marker = markerPath(clip)
        guard FileManager.default.fileExists(atPath: marker) else { return false }
        let recorded = FileManager.default.contents(atPath: marker).flatMap { try? JSON.parse([UInt8]($0)) }.flatMap(ClipResult.init(json:))
        let now = Self.canonical(settings)
        let was = Self.canonical(recorded?.settings)
        if was == now { return true }
        guard force else { throw PreprocessError.otherSettings(marker: marker, recorded: was, now: now) }
        for (file, _) in recorded?.shards ?? [] { try? FileManager.default.removeItem(atPath: destination + "/shards/" + file) }
        try FileManager.default.removeItem(atPath: marker)
        log("clip \(clip): made with other settings; rebuilding (--force)")
        return false
    }

    /// Runs this task's clips; returns the results of clips processed now (skipped ones are not listed).
    @discardableResult
    /// `progress` gets the raw frames of this task's clips handled so far and their number.
    public func run(log: (String) -> Void = { _ in }, progress: (Int, Int) -> Void = { _, _ in }) throws -> [ClipResult] {
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
        let mine = names.enumerated().filter { $0.offset % taskCount == taskID }.map(\.element)
        let total = mine.reduce(0) { $0 + (clips[$1]?.count ?? 0) }
        var handled = 0
        for (i, clip) in names.enumerated() where i % taskCount == taskID {
            defer {
                handled += clips[clip]?.count ?? 0
                progress(handled, total)
            }
            if try isDone(clip, log: log) {
                log("clip \(clip): done already, skipped")
                continue
            }
            let result = try runClip(clip, clips[clip]!) { progress(handled + $0, total) }
            results.append(result)
            log(
                "clip \(clip): \(result.rawFrames) raw, \(result.kept) kept, \(result.droppedSmall) too small, "
                    + "\(result.droppedStatic) unchanged, \(result.shards.count) shard(s)")
        }
        return results
    }

    func runClip(_ clip: String, _ frames: [RawFrameRef], progress: (Int) -> Void = { _ in }) throws -> ClipResult {
        var result = ClipResult(clip: clip)
        result.settings = settings
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
                let path =
                    destination + "/shards/" + Self.fileName(clip) + String(format: "-%03d.", result.shards.count)
                    + ShardFormat.fileExtension
                writer = try ShardWriter(path: path)
            }
            try writer!.append(frame)
            if writer!.frameCount >= framesPerShard { try rotate() }
        }
        do {
            for (n, ref) in frames.enumerated() {
                progress(n)
                let (depth, labels, w, h) = try processor.load(ref)
                if FrameProcessor.bodyPixels(labels, depth) < max(1, processor.config.minBodySizePixels) {
                    result.droppedSmall += 1
                    continue
                }
                if let prev = previous, processor.config.minBodyChangePercent > 0,
                    FrameProcessor.changePercent(prev, labels) < processor.config.minBodyChangePercent
                {
                    result.droppedStatic += 1
                    continue
                }
                previous = labels
                result.kept += 1
                let id = UInt64(ref.index) * 2
                try append(
                    processor.finish(
                        id: id, name: ref.name, depth: depth, labels: labels, width: w, height: h,
                        flipped: false))
                if !processor.config.noFlip {
                    let (fd, fl) = processor.flipped(depth, labels, width: w, height: h)
                    try append(
                        processor.finish(
                            id: id + 1, name: ref.name, depth: fd, labels: fl, width: w, height: h,
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
                let json = try? JSON.parse([UInt8](data)), let r = ClipResult(json: json)
            else {
                missing.append(clip)
                continue
            }
            results.append(r)
        }
        // Every clip made with the same settings; the merge's label map (it goes into the manifest)
        // the one they were made with; the merge's config too where it was given.
        let recorded = results.first?.settings
        for r in results where Self.canonical(r.settings) != Self.canonical(recorded) {
            throw PreprocessError.otherSettings(
                marker: markerPath(r.clip), recorded: Self.canonical(r.settings), now: Self.canonical(recorded))
        }
        if let recorded,
            recorded["label_map_crc32"] != settings["label_map_crc32"]
                || (checksConfigAtMerge && Self.canonical(recorded) != Self.canonical(settings))
        {
            throw PreprocessError.otherSettings(
                marker: markerPath(results[0].clip), recorded: Self.canonical(recorded), now: Self.canonical(settings))
        }
        if let first = missing.first {
            throw PreprocessError.unfinished(missing: missing.count, total: clipNames.count, example: first)
        }
        var camera: JSON?
        if let data = FileManager.default.contents(atPath: refs[0].metaPath), let meta = try? JSON.parse([UInt8](data)) {
            camera = meta["camera"]
        }
        return try DatasetManifest.write(
            destination: destination, clips: results, settings: recorded, camera: camera, cameraSource: refs[0].metaPath,
            labels: labelMapJSON, labelCount: processor.labelMap.count,
            backgroundDepthMM: processor.config.backgroundDepthMM, log: log)
    }
}
