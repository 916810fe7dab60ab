import Foundation

/// Errors in training parameters or job files; one line each.
public enum ParameterError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let s): return "invalid training parameters: \(s)"
        }
    }
}

/// The hyperparameters of a forest, named as in glimpse's train_rdt and its job files.
public struct TrainingParameters: Equatable, Sendable {
    /// Pixels sampled per frame per tree.
    public var nPixels = 2000
    /// (u, v) candidate pairs per tree.
    public var nUVs = 2000
    /// Thresholds per candidate (made odd).
    public var nThresholds = 49
    /// Thresholds span [-thresholdRange, thresholdRange] metres.
    public var thresholdRange = 0.645
    public var thresholdPower = 1.0
    /// u and v coordinates span uvRange metres (before conversion to pixel-metres).
    public var uvRange = 0.4041
    public var uvPower = 1.0
    public var maxDepth = 20
    /// A node with fewer pixels becomes a leaf.
    public var minSamples = 2
    /// A node whose best gain is <= minGain becomes a leaf.
    public var minGain = 0.0
    public var seed: UInt64 = 0
    /// Memory budget in bytes for one batch of node histograms (glimpse's uvt_histograms_mem).
    public var histogramMemory = 512 << 20
    /// Memory budget in bytes for parent histograms kept for subtraction.
    public var histogramCacheMemory = 1 << 30
    /// Background depth in millimetres.
    public var backgroundDepthMM = 32000

    public init() {}

    /// The odd number of thresholds actually used.
    public var oddThresholds: Int { nThresholds % 2 == 1 ? nThresholds : nThresholds + 1 }

    /// Checks ranges; throws one line naming the bad parameter.
    public func validate() throws {
        func check(_ ok: Bool, _ what: String) throws { if !ok { throw ParameterError.invalid(what) } }
        try check(nPixels >= 1 && nPixels <= 1_000_000, "n_pixels must be 1...1000000, got \(nPixels)")
        try check(nUVs >= 1 && nUVs <= 100_000, "n_uvs must be 1...100000, got \(nUVs)")
        try check(nThresholds >= 1 && oddThresholds <= 255, "n_thresholds must be 1...255, got \(nThresholds)")
        try check(thresholdRange > 0 && thresholdRange <= 30, "threshold_range must be in (0, 30] m")
        try check(thresholdPower > 0 && thresholdPower <= 10, "threshold_power must be in (0, 10]")
        try check(uvRange > 0 && uvRange <= 10, "uv_range must be in (0, 10] m")
        try check(uvPower > 0 && uvPower <= 10, "uv_power must be in (0, 10]")
        try check(
            maxDepth >= 1 && maxDepth <= DecisionTree.maximumDepth,
            "max_depth must be 1...\(DecisionTree.maximumDepth) (a tree holds 2^depth - 1 nodes), got \(maxDepth)")
        try check(minSamples >= 1, "min_samples must be >= 1")
        try check(minGain >= 0 && minGain.isFinite, "min_gain must be >= 0")
        try check(histogramMemory > 0 && histogramCacheMemory >= 0, "memory budgets must be positive")
        try check(backgroundDepthMM > 0 && backgroundDepthMM <= 65535, "background depth must be 1...65535 mm")
    }

    /// Reads the parameters a glimpse job file sets (unknown keys are left to the caller).
    public init(json: JSON) throws {
        self.init()
        func number(_ key: String) throws -> Double? {
            guard let v = json[key] else { return nil }
            guard let d = v.doubleValue else { throw ParameterError.invalid("\(key) must be a number") }
            return d
        }
        func integer(_ key: String) throws -> Int? {
            guard let d = try number(key) else { return nil }
            guard d.rounded() == d, abs(d) < 1e15 else { throw ParameterError.invalid("\(key) must be an integer") }
            return Int(d)
        }
        if let v = try integer("n_pixels") { nPixels = v }
        if let v = try integer("n_uvs") { nUVs = v }
        if let v = try integer("n_thresholds") { nThresholds = v }
        if let v = try number("threshold_range") { thresholdRange = v }
        if let v = try number("threshold_power") { thresholdPower = v }
        if let v = try number("uv_range") { uvRange = v }
        if let v = try number("uv_power") { uvPower = v }
        if let v = try integer("max_depth") { maxDepth = v }
        if let v = try integer("min_samples") { minSamples = v }
        if let v = try number("min_gain") { minGain = v }
        if let v = try integer("seed") {
            guard v >= 0 else { throw ParameterError.invalid("seed must be >= 0") }
            seed = UInt64(v)
        }
        if let v = try integer("uvt_histograms_mem") { histogramMemory = v }
        if let v = try integer("histogram_cache_mem") { histogramCacheMemory = v }
        if let v = try number("bg_depth") { backgroundDepthMM = Int((v * 1000).rounded()) }
        try validate()
    }

    /// The keys `init(json:)` reads (those `json` writes).
    public static let keys: Set<String> = Set(TrainingParameters().json.objectValue?.map(\.0) ?? [])

    /// The parameters as JSON (for a forest's history and for the wire).
    public var json: JSON {
        .object([
            ("n_pixels", .int(nPixels)), ("n_uvs", .int(nUVs)), ("n_thresholds", .int(nThresholds)),
            ("threshold_range", .double(thresholdRange)), ("threshold_power", .double(thresholdPower)),
            ("uv_range", .double(uvRange)), ("uv_power", .double(uvPower)), ("max_depth", .int(maxDepth)),
            ("min_samples", .int(minSamples)), ("min_gain", .double(minGain)), ("seed", .int(seed)),
            ("uvt_histograms_mem", .int(histogramMemory)), ("histogram_cache_mem", .int(histogramCacheMemory)),
            ("bg_depth", .double(Double(backgroundDepthMM) / 1000)),
        ])
    }
}
