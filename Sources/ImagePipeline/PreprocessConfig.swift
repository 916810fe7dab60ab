import Dataset
import Foundation
import RDTCore

/// Errors in a pre-processor config; one line naming the file.
public enum PreprocessConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, problem: String)
    public var description: String {
        switch self {
        case let .invalid(path, problem): return "\(path): invalid pre-processor config: \(problem)"
        }
    }
}

/// glimpse's pre-processor config (reference/glimpse/pre-processor-configs): `properties` and `noise`.
public struct PreprocessConfig: Equatable, Sendable {
    public var noFlip = false
    public var backgroundDepthMM = 32000
    public var minBodySizePixels = 0
    public var minBodyChangePercent = 0.0
    public var noise: [NoiseOp] = []
    public var seed: UInt64 = 0

    public init() {}

    public init(contentsOf path: String) throws {
        func bad(_ p: String) -> PreprocessConfigError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("missing or unreadable") }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        try self.init(json: json, path: path)
    }

    /// The keys of a config, of its properties and of each noise op (glimpse's names).
    static let keys = InputKeys(["properties", "noise"])
    static let propertyKeys = InputKeys(
        ["no_flip", "background_depth_m", "min_body_size_px", "min_body_change_percent", "seed", "bg_far_clamp_mode"])
    static let noiseKeys: [String: InputKeys] = [
        "foreground-edge-swizzle": InputKeys(["type"]),
        "gaussian": InputKeys(["type", "fwtm_range_map_m"]),
        "perlin": InputKeys(["type", "freq", "amplitude_m", "octaves"]),
    ]

    public init(json: JSON, path: String) throws {
        self.init()
        func bad(_ p: String) -> PreprocessConfigError { .invalid(path: path, problem: p) }
        try Self.keys.check(json, path: path, what: "pre-processor config")
        if let props = json["properties"] {
            try Self.propertyKeys.check(props, path: path, what: "pre-processor properties")
            // Background pixels always take the background depth (the far clamp glimpse's
            // synthetic-render config asks for); turning it off is not supported.
            if let v = props["bg_far_clamp_mode"], v.boolValue != true {
                throw bad("bg_far_clamp_mode: Canopy always sets background pixels to background_depth_m; remove the key or set it true")
            }
            if let v = props["no_flip"] {
                guard let b = v.boolValue else { throw bad("no_flip must be true or false") }
                noFlip = b
            }
            if let v = props["background_depth_m"] {
                guard let d = v.doubleValue, d > 0, d <= 65.5 else { throw bad("background_depth_m must be in (0, 65.5]") }
                backgroundDepthMM = Int((d * 1000).rounded())
            }
            if let v = props["min_body_size_px"] {
                guard let n = v.intValue, n >= 0 else { throw bad("min_body_size_px must be a whole number >= 0") }
                minBodySizePixels = n
            }
            if let v = props["min_body_change_percent"] {
                guard let p = v.doubleValue, p >= 0, p <= 100 else { throw bad("min_body_change_percent must be 0-100") }
                minBodyChangePercent = p
            }
            if let v = props["seed"] {
                guard let n = v.intValue, n >= 0 else { throw bad("seed must be a whole number >= 0") }
                seed = UInt64(n)
            }
        }
        if let list = json["noise"], list.arrayValue == nil { throw bad("\"noise\" must be a list") }
        for (i, op) in (json["noise"]?.arrayValue ?? []).enumerated() {
            if let type = op["type"]?.stringValue, let keys = Self.noiseKeys[type] {
                try keys.check(op, path: path, what: "noise op \(i) (\(type))")
            }
            switch op["type"]?.stringValue {
            case "foreground-edge-swizzle": noise.append(.foregroundEdgeSwizzle)
            case "gaussian":
                guard let f = op["fwtm_range_map_m"]?.doubleValue, f >= 0, f < 10 else {
                    throw bad("noise \(i) (gaussian) needs fwtm_range_map_m in [0, 10) metres")
                }
                noise.append(.gaussian(fwtmMetres: f))
            case "perlin":
                guard let freq = op["freq"]?.doubleValue, freq > 0, freq <= 1,
                    let amp = op["amplitude_m"]?.doubleValue, amp >= 0, amp < 10,
                    let oct = op["octaves"]?.intValue, (1...16).contains(oct)
                else {
                    throw bad("noise \(i) (perlin) needs freq in (0, 1], amplitude_m in [0, 10) and octaves 1-16")
                }
                noise.append(.perlin(frequency: freq, amplitudeMetres: amp, octaves: oct))
            case let other:
                throw bad("noise \(i) has unknown type \(other.map { "\"\($0)\"" } ?? "(none)")")
            }
        }
    }

    /// The config as glimpse's keys, every setting spelled out (defaults included): what a
    /// dataset records it was made with.
    public var json: JSON {
        let ops: [JSON] = noise.map { op in
            switch op {
            case .foregroundEdgeSwizzle: return .object([("type", .string("foreground-edge-swizzle"))])
            case .gaussian(let f): return .object([("type", .string("gaussian")), ("fwtm_range_map_m", .double(f))])
            case let .perlin(freq, amp, octaves):
                return .object([
                    ("type", .string("perlin")), ("freq", .double(freq)), ("amplitude_m", .double(amp)), ("octaves", .int(octaves)),
                ])
            }
        }
        return .object([
            (
                "properties",
                .object([
                    ("no_flip", .bool(noFlip)), ("background_depth_m", .double(Double(backgroundDepthMM) / 1000)),
                    ("min_body_size_px", .int(minBodySizePixels)), ("min_body_change_percent", .double(minBodyChangePercent)),
                    ("seed", .int(Int(seed))),
                ])
            ),
            ("noise", .array(ops)),
        ])
    }
}
