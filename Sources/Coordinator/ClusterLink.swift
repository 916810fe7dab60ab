import Logging
import WireProtocol

/// What a `ClusterSource` needs from the coordinator that serves it: the worker pool, sending,
/// and handling what arrives while it waits. The coordinator implements it over its socket; unit
/// tests implement it with scripted replies and a fake clock.
protocol ClusterLink: AnyObject {
    var pool: WorkerPool { get }
    /// Feeds the pool an event and carries out its actions; returns them (the caller carries
    /// out `.assign`, which needs the job).
    @discardableResult
    func update(_ event: WorkerPool.Event) -> [WorkerPool.Action]
    /// Sends `message` to each of `identities`, encoded once; returns the bytes sent in all.
    @discardableResult
    func send(_ message: WireMessage, to identities: [PeerIdentity]) -> Int
    /// Handles whatever arrives within `timeoutMs`, then the pool's timeouts.
    func pump(timeoutMs: Int) throws
    /// Why the job must fail now (a worker's error, the worker processes gone), if it must.
    var failure: String? { get }
    func log(_ level: Logger.Level, _ line: String)
    /// Monotonic nanoseconds.
    func now() -> UInt64
}
