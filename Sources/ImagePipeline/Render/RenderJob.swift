import Dataset
import Foundation
import RDTCore

/// One frame to render: its clip, frame number in the clip, and output name.
public struct RenderItem: Equatable, Sendable {
    public var clip: String
    public var frame: Int
    public var name: String
}

/// Rendering raw frames as Slurm array tasks: the frame list is fixed by the inputs,
/// task k of n renders items k, k+n, ...; each frame is seeded by (seed, clip, frame), so the output
/// does not depend on the split; frames whose meta file exists are skipped.
public struct RenderJob {
    public enum Source {
        case bvh(path: String, motion: BVHMotion, mapping: SkeletonMapping)
        case builtIn(String)
    }

    /// What bodies look like: a skinned MakeHuman mesh (the default of `canopy render`), or capsules
    /// on the canonical points (fast, for unit tests).
    public enum Body: Sendable {
        case mesh(BodyModel)
        case capsules
    }

    public var sources: [(clip: String, source: Source)]
    public var config: RenderConfig
    /// Set with `setBody`, which prepares the retargeting a mesh needs.
    public private(set) var body: Body = .capsules
    /// Per BVH clip, how it drives the mesh's rig (built by `setBody` for a mesh).
    var retargets: [String: RigRetarget] = [:]
    public var output: String
    public var every = 1
    public var maxFrames: Int?
    public var builtInFrames = 300
    public var seed: UInt64 = 0
    public var taskID = 0
    public var taskCount = 1

    /// Sources from BVH files and folders (all *.bvh inside), or the built-in clips when none.
    public init(bvh paths: [String], jointMap: String?, config: RenderConfig, output: String) throws {
        var files: [String] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw BVHError(path: path, line: 0, expected: "an existing BVH file or folder")
            }
            if isDir.boolValue {
                files += ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".bvh") }
                    .sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        let custom = try jointMap.map(SkeletonMapping.load)
        sources = try files.sorted().map { file in
            let motion = try BVHMotion(contentsOf: file)
            guard let mapping = custom ?? SkeletonMapping.builtIn(for: motion) else {
                throw BVHError(path: file, line: 0, expected: "a known CMU skeleton (mb2, mb2008, max, daz) or --joint-map")
            }
            return (
                URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, .bvh(path: file, motion: motion, mapping: mapping)
            )
        }
        if files.isEmpty { sources = BuiltInMotion.clips.map { ($0, .builtIn($0)) } }
        let blacklist = config.tagBlacklist.map { $0.lowercased() }
        sources = sources.filter { s in !blacklist.contains { s.clip.lowercased().contains($0) } }
        self.config = config
        self.output = output
    }

    /// Every frame of every clip, in order: (clip, frame) -> name.
    public func frameList() -> [RenderItem] {
        var items: [RenderItem] = []
        for (clip, source) in sources {
            let frames: StrideTo<Int>
            switch source {
            case let .bvh(_, motion, mapping): frames = stride(from: mapping.skipFrames, to: motion.frames.count, by: max(1, every))
            case .builtIn: frames = stride(from: 0, to: builtInFrames, by: max(1, every))
            }
            for f in frames { items.append(RenderItem(clip: clip, frame: f, name: String(format: "%@-%06d", clip, f))) }
        }
        if let maxFrames { items = Array(items.prefix(maxFrames)) }
        return items
    }

    /// Sets the body kind; a mesh body prepares each clip's retargeting to its rig.
    public mutating func setBody(_ body: Body) {
        self.body = body
        retargets = [:]
        if case .mesh(let model) = body {
            for (clip, source) in sources {
                if case let .bvh(_, motion, mapping) = source {
                    retargets[clip] = RigRetarget(motion: motion, mapping: mapping, rig: model.rig)
                }
            }
        }
    }

    func pose(_ item: RenderItem) throws -> Pose {
        guard let source = sources.first(where: { $0.clip == item.clip })?.source else {
            throw BVHError(path: item.clip, line: 0, expected: "a known clip")
        }
        switch source {
        case let .bvh(_, motion, mapping): return try mapping.pose(motion, frame: item.frame)
        case .builtIn(let clip): return BuiltInMotion.pose(clip: clip, frame: item.frame, seed: seed)
        }
    }

    /// One item's frame, in memory, and what its meta file says of the body: seeded by (seed, clip,
    /// frame) for the camera and by (seed, clip, frame / clothing_step) for the body.
    public func frame(_ item: RenderItem) throws -> (frame: RenderedFrame, body: [(String, JSON)]) {
        var rng = DeterministicRandom(seed, BuiltInMotion.hash(item.clip), UInt64(item.frame), 0x4E4D)
        switch body {
        case .capsules:
            return (BodyRenderer(config: config).render(try pose(item), rng: &rng), [("kind", .string("capsules"))])
        case .mesh(let model):
            // The body (shape and clothing) changes every clothing_step frames of a clip.
            let slot = config.clothingStep == 0 ? 0 : UInt64(item.frame / config.clothingStep)
            var bodyRNG = DeterministicRandom(seed, BuiltInMotion.hash(item.clip), slot, 0xB0D7)
            let shape = BodyShape.random(&bodyRNG), clothing = Clothing.random(&bodyRNG, allowed: config.clothes)
            let shaped = model.shaped(shape)
            let rigPose: RigPose
            if let retarget = retargets[item.clip] {
                rigPose = try retarget.pose(frame: item.frame, rig: model.rig, body: shaped)
            } else {
                rigPose = RigRetarget.pose(points: try pose(item), rig: model.rig, body: shaped)
            }
            let frame = MeshRenderer(config: config, model: model).render(shaped, clothing: clothing, pose: rigPose, rng: &rng)
            return (frame, [("kind", .string("mesh")), ("shape", shape.json), ("clothing", clothing.json)])
        }
    }

    /// Renders one item to depth/, labels/ and meta/ (meta last, written atomically: its presence
    /// marks the frame done).
    public func render(_ item: RenderItem) throws -> RenderedFrame {
        let (frame, bodyMeta) = try frame(item)
        try PNGImage(width: frame.width, height: frame.height, channels: 1, samples: .u16(frame.depth))
            .write(output + "/depth/" + item.name + ".png")
        try PNGImage(width: frame.width, height: frame.height, channels: 1, samples: .u8(frame.labels))
            .write(output + "/labels/" + item.name + ".png")
        let joints = JSON.object(
            BodyPoint.allCases.map { p in
                let v = frame.joints[p]!
                return (p.rawValue, .array([.double(v.x), .double(v.y), .double(v.z)]))
            })
        let meta = JSON.object([
            ("clip", .string(item.clip)), ("frame", .int(item.frame)),
            (
                "camera",
                .object([
                    ("width", .int(frame.width)), ("height", .int(frame.height)),
                    ("vertical_fov", .double(config.verticalFOVDegrees)),
                    (
                        "position",
                        .array([
                            .double(frame.cameraPosition.x), .double(frame.cameraPosition.y),
                            .double(frame.cameraPosition.z),
                        ])
                    ),
                ])
            ),
            ("joints", joints),
            ("body", .object(bodyMeta)),
        ])
        try AtomicFile.write(Array(meta.serialized().utf8), to: output + "/meta/" + item.name + ".json")
        return frame
    }

    /// Renders this task's share; returns (rendered, skipped as done). `progress` gets the frames
    /// of this task's share handled so far and their number.
    @discardableResult
    public func run(log: (String) -> Void = { _ in }, progress: (Int, Int) -> Void = { _, _ in }) throws -> (rendered: Int, skipped: Int) {
        guard taskCount >= 1, taskID >= 0, taskID < taskCount else {
            throw PreprocessError.invalidTask("task id \(taskID) of \(taskCount) (ids are 0...count-1)")
        }
        for sub in ["depth", "labels", "meta"] {
            try AtomicFile.makeDirectory(output + "/" + sub)
        }
        let items = frameList()
        let list = JSON.array(items.map { .object([("clip", .string($0.clip)), ("frame", .int($0.frame)), ("name", .string($0.name))]) })
        try AtomicFile.write(Array(list.serialized().utf8), to: output + "/frames.json")
        var rendered = 0, skipped = 0
        var sheet: [(name: String, frame: RenderedFrame)] = []
        let share = items.indices.filter { $0 % taskCount == taskID }.count
        for (i, item) in items.enumerated() where i % taskCount == taskID {
            progress(rendered + skipped, share)
            if FileManager.default.fileExists(atPath: output + "/meta/" + item.name + ".json") {
                skipped += 1
                continue
            }
            let frame = try render(item)
            if sheet.count < 6 && (sheet.isEmpty || i % max(1, items.count / 6) == taskID) { sheet.append((item.name, frame)) }
            rendered += 1
        }
        progress(rendered + skipped, share)
        if !sheet.isEmpty { try ContactSheet.write(sheet, to: output + "/contact-sheet-\(taskID).png") }
        log("task \(taskID)/\(taskCount): \(rendered) frames rendered, \(skipped) done already, \(items.count) in the list")
        return (rendered, skipped)
    }
}
