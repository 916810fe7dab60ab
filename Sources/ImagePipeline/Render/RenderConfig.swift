import Dataset
import Foundation
import RDTCore

/// glimpse's render config (reference/glimpse/render-configs): camera size, vertical fov in degrees,
/// randomized distance, height and horizontal rotation around a focus bone.
public struct RenderConfig: Sendable {
    public var width = 320
    public var height = 240
    public var verticalFOVDegrees = 43.940769
    public var minDistance = 2.0, maxDistance = 2.5
    public var minHeight = 1.1, maxHeight = 1.4
    public var minRotation = -30.0, maxRotation = 0.0
    public var tagBlacklist: [String] = []

    public init() {}

    public init(contentsOf path: String) throws {
        func bad(_ p: String) -> PreprocessError { .io(path: path, reason: "invalid render config: \(p)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PreprocessError.io(path: path, reason: "missing or unreadable")
        }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        guard let camera = json["camera"] else { throw bad("no \"camera\"") }
        self.init()
        if let w = camera["width"]?.intValue { width = w }
        if let h = camera["height"]?.intValue { height = h }
        if let f = camera["vertical_fov"]?.doubleValue { verticalFOVDegrees = f }
        guard (16...4096).contains(width), (16...4096).contains(height), verticalFOVDegrees > 1, verticalFOVDegrees < 170 else {
            throw bad("camera width/height must be 16-4096 and vertical_fov 1-170 degrees")
        }
        if let pos = camera["position"] {
            minDistance = pos["min_distance"]?.doubleValue ?? minDistance
            maxDistance = pos["max_distance"]?.doubleValue ?? maxDistance
            minHeight = pos["min_height"]?.doubleValue ?? minHeight
            maxHeight = pos["max_height"]?.doubleValue ?? maxHeight
            minRotation = pos["min_horizontal_rotation"]?.doubleValue ?? minRotation
            maxRotation = pos["max_horizontal_rotation"]?.doubleValue ?? maxRotation
            guard minDistance > 0.3, maxDistance >= minDistance else { throw bad("distances must be > 0.3 m, min <= max") }
        }
        tagBlacklist = json["filters"]?["tag_blacklist"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    public var camera: Camera { Camera(width: width, height: height, verticalFOVDegrees: verticalFOVDegrees) }
}
