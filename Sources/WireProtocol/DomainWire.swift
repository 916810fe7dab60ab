import Foundation
import RDTCore

// Conversions between RDTCore's values and their wire messages, in one place for the coordinator
// and the worker. What arrives is checked here: a malformed field throws `WireError.malformed`.

extension Canopy_Wire_NodeRef {
    public init(_ key: NodeKey) {
        self.init()
        tree = UInt32(key.tree)
        node = UInt32(key.node)
    }

    public var key: NodeKey { NodeKey(tree: Int(tree), node: Int(node)) }
}

extension Canopy_Wire_TreeCandidates {
    /// A tree's candidates: 4 little-endian f32 per offset pair, and the thresholds.
    public init(_ candidates: Candidates) {
        self.init()
        var bytes = [UInt8]()
        bytes.reserveCapacity(candidates.count * 16)
        for uv in candidates.uvs { for k in 0..<4 { withUnsafeBytes(of: uv[k].bitPattern.littleEndian) { bytes += $0 } } }
        uvs = Data(bytes)
        thresholds = candidates.thresholds
    }

    /// The candidates, checked against `parameters` (count, ascending thresholds, offsets).
    public func candidates(_ parameters: TrainingParameters) throws -> Candidates {
        guard uvs.count == parameters.nUVs * 16 else {
            throw WireError.malformed("\(uvs.count) bytes of candidates, expected \(parameters.nUVs * 16)")
        }
        guard thresholds.count == parameters.oddThresholds, zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw WireError.malformed("thresholds are not \(parameters.oddThresholds) ascending values")
        }
        let offsets: [SIMD4<Float>] = uvs.withUnsafeBytes { raw in
            (0..<parameters.nUVs).map { i in
                SIMD4(
                    (0..<4).map { k in
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16 * i + 4 * k, as: UInt32.self)))
                    })
            }
        }
        guard offsets.allSatisfy(Candidates.isValidOffset) else {
            throw WireError.malformed("a candidate offset is not finite or out of range")
        }
        return Candidates(uvs: offsets, thresholds: thresholds)
    }
}

extension Canopy_Wire_Decision {
    public init(_ key: NodeKey, _ decision: NodeDecision) {
        self.init()
        tree = UInt32(key.tree)
        node = UInt32(key.node)
        switch decision {
        case .leaf: leaf = true
        case let .split(uv, t):
            ux = uv.x
            uy = uv.y
            vx = uv.z
            vy = uv.w
            thresholdMm = t
        }
    }

    /// The node and its decision, checked to lie in a forest of `trees` trees of `maxNode` nodes.
    public func decision(trees: Int, maxNode: Int) throws -> (NodeKey, NodeDecision) {
        guard Int(tree) < trees, Int(node) < maxNode else {
            throw WireError.malformed("decision for node (\(tree), \(node)) outside the forest")
        }
        if leaf { return (key, .leaf) }
        let uv = SIMD4(ux, uy, vx, vy)
        guard Candidates.isValidOffset(uv) else { throw WireError.malformed("split of node (\(tree), \(node)) has an invalid offset") }
        return (key, .split(uv: uv, thresholdMM: thresholdMm))
    }

    var key: NodeKey { NodeKey(tree: Int(tree), node: Int(node)) }
}

extension Canopy_Wire_FrameAssignment {
    /// A frame and the (tree, index position) pairs that sample it.
    public init(id: UInt64, uses: [(tree: Int, position: Int)]) {
        self.init()
        self.id = id
        self.uses = uses.map { u in
            var x = Canopy_Wire_FrameUse()
            x.tree = UInt32(u.tree)
            x.position = UInt32(u.position)
            return x
        }
    }

    /// Its uses, checked to name one of `trees` trees.
    public func frameUses(trees: Int) throws -> [(tree: Int, position: Int)] {
        try uses.map { u in
            guard Int(u.tree) < trees else { throw WireError.malformed("frame use of tree \(u.tree)") }
            return (Int(u.tree), Int(u.position))
        }
    }
}

extension RouteWire {
    /// Every decided node of each tree, one frame per tree that has any, for workers to route
    /// freshly loaded pixels (`AssignShards.route`).
    public static func routes(_ trees: [DecisionTree]) throws -> [(info: Canopy_Wire_RouteTree, frame: [UInt8])] {
        try trees.enumerated().compactMap { t, tree in
            let records = tree.decisions.map { n, decision -> Record in
                switch decision {
                case .leaf: return Record(node: UInt32(n), leaf: true)
                case let .split(uv, threshold): return Record(node: UInt32(n), leaf: false, uv: uv, thresholdMM: threshold)
                }
            }
            guard !records.isEmpty else { return nil }
            var info = Canopy_Wire_RouteTree()
            info.tree = UInt32(t)
            info.decisions = UInt32(records.count)
            return (info, try pack(records))
        }
    }

    /// The decisions `route` carries (frames as `routes` made them), parents first, checked
    /// against a forest of `trees` trees of `maxNode` nodes.
    public static func decisions(_ route: [Canopy_Wire_RouteTree], frames: [[UInt8]], trees: Int, maxNode: Int) throws
        -> [(NodeKey, NodeDecision)]
    {
        guard route.count == frames.count else { throw WireError.malformed("\(route.count) routes in \(frames.count) frames") }
        var decisions: [(NodeKey, NodeDecision)] = []
        for (info, frame) in zip(route, frames) {
            guard Int(info.tree) < trees else { throw WireError.malformed("route for tree \(info.tree)") }
            for r in try unpack(frame, count: Int(info.decisions), maxNode: maxNode) {
                decisions.append(
                    (
                        NodeKey(tree: Int(info.tree), node: Int(r.node)),
                        r.leaf ? .leaf : .split(uv: r.uv, thresholdMM: r.thresholdMM)
                    ))
            }
        }
        return decisions
    }
}

extension Canopy_Wire_Evaluated {
    /// Item `item` of a request and its evaluation.
    public init(item: Int, _ e: NodeEvaluation) {
        self.init()
        self.item = UInt32(item)
        totals = e.totals
        if let c = e.choice, let left = e.left {
            splits = true
            candidate = UInt32(c.candidate)
            threshold = UInt32(c.threshold)
            gain = c.gain
            self.left = left
        }
    }

    /// The evaluation, checked against the histogram shape: every label's totals, a split inside
    /// the candidates (`candidates`, where the sender owns them) and thresholds, a finite gain, and
    /// a left side no larger than the node.
    public func evaluation(shape: HistogramShape, candidates: Range<Int>) throws -> NodeEvaluation {
        guard totals.count == shape.labels else {
            throw WireError.malformed("evaluation of item \(item) has \(totals.count) label totals for \(shape.labels) labels")
        }
        guard splits else { return NodeEvaluation(totals: totals, choice: nil, left: nil) }
        guard candidates.contains(Int(candidate)), Int(threshold) < shape.bins - 1, gain.isFinite, left.count == shape.labels,
            zip(left, totals).allSatisfy({ $0 <= $1 })
        else {
            throw WireError.malformed(
                "evaluation of item \(item): split (\(candidate), \(threshold), gain \(gain)) does not fit the request")
        }
        return NodeEvaluation(
            totals: totals, choice: SplitChoice(candidate: Int(candidate), threshold: Int(threshold), gain: gain), left: left)
    }
}
