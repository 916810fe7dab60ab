import Foundation

/// One packed label of a glimpse label map: its name, the raw values that map to it and its mirror.
public struct LabelInfo: Equatable, Sendable {
    public var name: String
    public var inputs: [Int]
    public var opposite: String?

    public init(name: String, inputs: [Int] = [], opposite: String? = nil) {
        self.name = name
        self.inputs = inputs
        self.opposite = opposite
    }
}

extension LabelInfo {
    /// packed label -> mirrored label, from the labels' `opposite` names (itself where it has none).
    public static func flipMap(_ labels: [LabelInfo]) -> [UInt8] {
        var flip = (0..<256).map { UInt8($0) }
        for (i, label) in labels.enumerated() {
            if let o = label.opposite, let j = labels.firstIndex(where: { $0.name == o }) { flip[i] = UInt8(j) }
        }
        return flip
    }
}
