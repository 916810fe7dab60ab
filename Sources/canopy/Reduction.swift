import ArgumentParser

/// Where a cluster sums histograms and chooses splits (`--reduction`).
enum Reduction: String, ExpressibleByArgument, CaseIterable {
    /// The workers, among themselves: each owns a share of the candidates (docs/protocol.md).
    case workers
    /// The coordinator: every worker sends it every histogram.
    case coordinator
}
