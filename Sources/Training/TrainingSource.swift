import RDTCore

/// What a `TrainingRun` counts histograms with: the pixels in this process (`LocalSource`) or a
/// cluster's workers. Besides counting, it is told where the trees stand, so its pixels sit in the
/// nodes the trees route them to.
public protocol TrainingSource: HistogramSource {
    /// Called before the first level with the trees as they start (a resumed job's are partly
    /// grown), and after each level that leaves nodes open.
    func prepare(_ trees: [DecisionTree]) throws
    /// Forgets the work of a level that starts over (`LevelInterrupted`).
    func reset()
    /// How the cluster did the counting, for report.json (nil in one process).
    var clusterFigures: TrainingReport.Cluster? { get }
}
