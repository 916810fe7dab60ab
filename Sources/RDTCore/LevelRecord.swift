import Foundation

/// Statistics of one level of growth, for progress lines and the forest's history.
public struct LevelRecord: Equatable, Sendable {
    public var level: Int
    public var openNodes = 0
    public var splits = 0
    public var leaves = 0
    public var pixels = 0
    public var histogramsComputed = 0
    public var histogramsDerived = 0
    public var maxGain = 0.0
    public var meanGain = 0.0
    public var seconds = 0.0

    public var json: JSON {
        .object([
            ("level", .int(level)), ("open_nodes", .int(openNodes)), ("splits", .int(splits)),
            ("leaves", .int(leaves)), ("pixels", .int(pixels)), ("histograms_computed", .int(histogramsComputed)),
            ("histograms_derived", .int(histogramsDerived)), ("max_gain", .double(maxGain)),
            ("mean_gain", .double(meanGain)), ("seconds", .double(seconds)),
        ])
    }

    public init(level: Int) { self.level = level }

    /// Reads back what `json` wrote (as in a checkpoint).
    public init?(json: JSON) {
        guard let level = json["level"]?.intValue else { return nil }
        self.level = level
        openNodes = json["open_nodes"]?.intValue ?? 0
        splits = json["splits"]?.intValue ?? 0
        leaves = json["leaves"]?.intValue ?? 0
        pixels = json["pixels"]?.intValue ?? 0
        histogramsComputed = json["histograms_computed"]?.intValue ?? 0
        histogramsDerived = json["histograms_derived"]?.intValue ?? 0
        maxGain = json["max_gain"]?.doubleValue ?? 0
        meanGain = json["mean_gain"]?.doubleValue ?? 0
        seconds = json["seconds"]?.doubleValue ?? 0
    }
}
