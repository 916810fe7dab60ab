import RDTCore

/// The history record each tree carries: only what determines it (the job without its budgets,
/// its index, per-level counts), so the same job gives byte-identical files however it was run;
/// timings go to report.json.
public enum ForestHistory {
    /// Per-level fields that describe how a level was computed, not what it decided (timing, and
    /// histograms counted vs derived, which change when a level is redone or resumed).
    static let processFields: Set<String> = ["seconds", "histograms_computed", "histograms_derived"]

    /// Adds the deterministic history records to each tree.
    public static func annotate(_ trees: inout [DecisionTree], job: TrainingJob, indexSizes: [Int], levels: [LevelRecord]) {
        var params = job.identity
        if case .object(let m) = params { params = .object(m.filter { $0.0 != "data_dir" }) }
        let levelJSON = JSON.array(
            levels.map { r in
                guard case .object(let m) = r.json else { return .null }
                return .object(m.filter { !processFields.contains($0.0) })
            })
        for t in trees.indices {
            trees[t].history = [
                .object([
                    ("tool", .string("canopy")), ("job", params), ("tree", .int(t)),
                    ("index", .string(job.indexName(tree: t))), ("index_frames", .int(indexSizes[t])),
                    ("levels", levelJSON),
                ])
            ]
        }
    }
}
