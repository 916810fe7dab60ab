/// A confusion matrix over packed labels: counts[truth * labels + predicted].
public struct ConfusionMatrix: Equatable, Sendable {
    public let labels: Int
    public private(set) var counts: [Int]

    public init(labels: Int) {
        self.labels = labels
        counts = [Int](repeating: 0, count: labels * labels)
    }

    /// Adds a frame; pixels whose truth is `ignore` (background, by default) are skipped.
    public mutating func add(truth: [UInt8], predicted: [UInt8], ignore: UInt8? = 0) {
        for (t, p) in zip(truth, predicted) where t != ignore && Int(t) < labels && Int(p) < labels {
            counts[Int(t) * labels + Int(p)] += 1
        }
    }

    public mutating func add(_ other: ConfusionMatrix) {
        precondition(other.labels == labels)
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    public var total: Int { counts.reduce(0, +) }
    public func support(_ label: Int) -> Int { (0..<labels).reduce(0) { $0 + counts[label * labels + $1] } }

    /// Correct pixels over all counted pixels.
    public var pixelAccuracy: Double {
        let t = total
        return t == 0 ? 0 : Double((0..<labels).reduce(0) { $0 + counts[$1 * labels + $1] }) / Double(t)
    }

    /// Per label: correct over that label's pixels (nil where the label never occurs in the truth).
    public var perLabelAccuracy: [Double?] {
        (0..<labels).map { l in
            let s = support(l)
            return s == 0 ? nil : Double(counts[l * labels + l]) / Double(s)
        }
    }

    /// Pixels predicted as `label`.
    public func predicted(_ label: Int) -> Int { (0..<labels).reduce(0) { $0 + counts[$1 * labels + label] } }

    /// Per label: correct over the pixels predicted as it (nil where it is never predicted).
    public var perLabelPrecision: [Double?] {
        (0..<labels).map { l in
            let p = predicted(l)
            return p == 0 ? nil : Double(counts[l * labels + l]) / Double(p)
        }
    }

    /// Per label: intersection over union of truth and prediction (nil where neither has it).
    public var perLabelIoU: [Double?] {
        (0..<labels).map { l in
            let union = support(l) + predicted(l) - counts[l * labels + l]
            return union == 0 ? nil : Double(counts[l * labels + l]) / Double(union)
        }
    }

    /// Mean of the per-label accuracies over labels that occur.
    public var meanClassAccuracy: Double {
        let present = perLabelAccuracy.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }

    /// The matrix with labels aggregated through an out-map (glimpse `*-out-map.json`: each entry's
    /// `inputs` are packed labels). Labels the map does not list are dropped.
    public func aggregated(through map: LabelMap) -> ConfusionMatrix {
        var out = ConfusionMatrix(labels: map.count)
        for t in 0..<labels {
            guard let mt = map.packed(UInt8(t)) else { continue }
            for p in 0..<labels {
                guard let mp = map.packed(UInt8(p)) else { continue }
                out.counts[Int(mt) * map.count + Int(mp)] += counts[t * labels + p]
            }
        }
        return out
    }

    /// CSV with a header row of predicted label names and one row per true label.
    public func csv(names: [String]) -> String {
        let quoted = names.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }
        var s = "truth\\predicted," + quoted.joined(separator: ",") + "\n"
        for t in 0..<labels {
            s += quoted[t] + "," + (0..<labels).map { String(counts[t * labels + $0]) }.joined(separator: ",") + "\n"
        }
        return s
    }
}
