/// The worker: loads shards, samples pixels, computes node-batch histograms with RDTCore's kernel,
/// applies splits (DESIGN §6). The distributed-training issue builds it.
public enum WorkerModule {
    /// What this module does, for `canopy --help` style listings.
    public static let summary = "worker: computes split statistics on its local shards"
}
