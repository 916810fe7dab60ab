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
    /// glimpse's `add_background`: a floor and a wall behind the subject, in depth, labelled background.
    public var addBackground = false

    public init() {}

    /// glimpse's `clothing_step`: the body's shape and clothing change every this many frames of a
    /// clip (0: once per clip); 1 when the key is absent.
    public var clothingStep = 1

    /// The clothing items bodies may wear (`Clothing.items`), after the filters' clothes lists.
    public var clothes = Set(Clothing.items)

    static let keys = InputKeys(["filters", "camera", "clothing_step", "add_background"])
    static let filterKeys = InputKeys(["tag_blacklist", "clothes_whitelist", "clothes_blacklist"])
    static let cameraKeys = InputKeys(["width", "height", "vertical_fov", "position"], harmless: ["type"])
    static let positionKeys = InputKeys([
        "mode", "focus_bone", "min_distance", "max_distance", "min_height", "max_height", "min_horizontal_rotation",
        "max_horizontal_rotation", "distance", "height", "horizontal_rotation",
    ])

    /// Reads glimpse's render config: camera size and fov, and its position, `randomized`
    /// (distance, height and rotation drawn between their min and max) or `fixed`.
    public init(contentsOf path: String) throws {
        func bad(_ p: String) -> PreprocessError { .io(path: path, reason: "invalid render config: \(p)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PreprocessError.io(path: path, reason: "missing or unreadable")
        }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        try Self.keys.check(json, path: path, what: "render config")
        guard let camera = json["camera"] else { throw bad("no \"camera\"") }
        try Self.cameraKeys.check(camera, path: path, what: "camera")
        self.init()
        func number(_ object: JSON, _ key: String) throws -> Double? {
            guard let v = object[key] else { return nil }
            guard let d = v.doubleValue, d.isFinite else { throw bad("\(key) must be a number") }
            return d
        }
        if let w = try number(camera, "width") { width = Int(w) }
        if let h = try number(camera, "height") { height = Int(h) }
        if let f = try number(camera, "vertical_fov") { verticalFOVDegrees = f }
        guard (16...4096).contains(width), (16...4096).contains(height), verticalFOVDegrees > 1, verticalFOVDegrees < 170 else {
            throw bad("camera width/height must be 16-4096 and vertical_fov 1-170 degrees")
        }
        if let pos = camera["position"] {
            try Self.positionKeys.check(pos, path: path, what: "camera position")
            if let bone = pos["focus_bone"], bone.stringValue != "pelvis" {
                throw bad("focus_bone \(bone.serialized(pretty: false)): the camera aims at the pelvis; remove the key or set \"pelvis\"")
            }
            switch pos["mode"]?.stringValue ?? "randomized" {
            case "randomized":
                for key in ["distance", "height", "horizontal_rotation"] where pos[key] != nil {
                    throw bad("\(key) is for mode \"fixed\"; a randomized position takes min_\(key) and max_\(key)")
                }
                minDistance = try number(pos, "min_distance") ?? minDistance
                maxDistance = try number(pos, "max_distance") ?? maxDistance
                minHeight = try number(pos, "min_height") ?? minHeight
                maxHeight = try number(pos, "max_height") ?? maxHeight
                minRotation = try number(pos, "min_horizontal_rotation") ?? minRotation
                maxRotation = try number(pos, "max_horizontal_rotation") ?? maxRotation
            case "fixed":
                for key in ["distance", "height", "horizontal_rotation"] where pos["min_" + key] != nil || pos["max_" + key] != nil {
                    throw bad("min_\(key) and max_\(key) are for mode \"randomized\"; a fixed position takes \(key)")
                }
                minDistance = try number(pos, "distance") ?? minDistance
                maxDistance = minDistance
                minHeight = try number(pos, "height") ?? minHeight
                maxHeight = minHeight
                minRotation = try number(pos, "horizontal_rotation") ?? 0
                maxRotation = minRotation
            case let other:
                throw bad("camera position mode \"\(other)\": Canopy knows \"randomized\" and \"fixed\"")
            }
            guard minDistance > 0.3, maxDistance >= minDistance, maxHeight >= minHeight, maxRotation >= minRotation else {
                throw bad("distances must be > 0.3 m, and each min <= its max")
            }
        }
        if let filters = json["filters"] {
            try Self.filterKeys.check(filters, path: path, what: "render filters")
            tagBlacklist = filters["tag_blacklist"]?.arrayValue?.compactMap(\.stringValue) ?? []
            // glimpse's clothes are named Blender assets ("m_trousers_01"); each names one of our items.
            func items(_ key: String) throws -> Set<String>? {
                guard let list = filters[key] else { return nil }
                guard let names = list.arrayValue?.compactMap(\.stringValue), names.count == list.arrayValue?.count else {
                    throw bad("\(key) must be a list of clothes names")
                }
                return Set(
                    try names.map { name in
                        guard let item = Clothing.item(named: name) else {
                            throw bad(
                                "\"\(key)\": \"\(name)\" names none of the clothes Canopy draws (\(Clothing.items.joined(separator: ", ")); trousers, pants and jeans are tights, dresses are skirts)"
                            )
                        }
                        return item
                    })
            }
            if let white = try items("clothes_whitelist") { clothes = white }
            if let black = try items("clothes_blacklist") { clothes.subtract(black) }
        }
        if let step = json["clothing_step"] {
            guard let v = step.doubleValue, v >= 0, v <= 1_000_000, v.rounded() == v else {
                throw bad("clothing_step must be a whole number of frames >= 0 (0: one body per clip)")
            }
            clothingStep = Int(v)
        }
        if let flag = json["add_background"] {
            guard let v = flag.boolValue else { throw bad("add_background must be true or false") }
            addBackground = v
        }
    }

    public var camera: Camera { Camera(width: width, height: height, verticalFOVDegrees: verticalFOVDegrees) }
}
