import Foundation
import RDTCore

/// Counts of one clip's pre-processing, recorded in its done-marker and summed in the manifest.
public struct ClipResult: Equatable, Sendable {
    public var clip: String
    public var shards: [(file: String, frames: Int)]
    public var rawFrames = 0
    public var kept = 0
    public var droppedSmall = 0
    public var droppedStatic = 0
    /// What the clip was made with (pre-processor config, label map, shard size), as the job
    /// describes it; nil in markers written before Canopy recorded it.
    public var settings: JSON?

    public static func == (a: ClipResult, b: ClipResult) -> Bool {
        a.clip == b.clip && a.shards.map(\.file) == b.shards.map(\.file) && a.shards.map(\.frames) == b.shards.map(\.frames)
            && (a.rawFrames, a.kept, a.droppedSmall, a.droppedStatic) == (b.rawFrames, b.kept, b.droppedSmall, b.droppedStatic)
    }

    public var json: JSON {
        .object([
            ("clip", .string(clip)),
            ("shards", .array(shards.map { .object([("file", .string($0.file)), ("frames", .int($0.frames))]) })),
            ("raw_frames", .int(rawFrames)), ("kept", .int(kept)), ("dropped_small", .int(droppedSmall)),
            ("dropped_static", .int(droppedStatic)), ("settings", settings ?? .null),
        ])
    }

    public init(clip: String) {
        self.clip = clip
        shards = []
    }

    public init?(json: JSON) {
        guard let clip = json["clip"]?.stringValue, let list = json["shards"]?.arrayValue else { return nil }
        self.clip = clip
        shards = list.compactMap { s in
            guard let f = s["file"]?.stringValue, let n = s["frames"]?.intValue else { return nil }
            return (f, n)
        }
        rawFrames = json["raw_frames"]?.intValue ?? 0
        kept = json["kept"]?.intValue ?? 0
        droppedSmall = json["dropped_small"]?.intValue ?? 0
        droppedStatic = json["dropped_static"]?.intValue ?? 0
        settings = json["settings"].flatMap { $0 == .null ? nil : $0 }
    }
}
