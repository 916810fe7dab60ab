/// The coordinator: job queue, shard assignment, level loop, reduction, checkpoints, status and fetch
/// (DESIGN §6). The distributed-training issue builds it; the level loop itself lives in RDTCore.
public enum CoordinatorModule {
    /// What this module does, for `canopy --help` style listings.
    public static let summary = "coordinator: shards frames and histogram work to workers over ZeroMQ"
}
