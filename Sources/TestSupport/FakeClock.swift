/// A monotonic clock tests move by hand: state machines that take `now` run under it in
/// milliseconds of real time, whatever their timeouts.
public struct FakeClock {
    /// Nanoseconds since an arbitrary start (never 0, as a real monotonic clock).
    public private(set) var now: UInt64 = 1_000_000_000

    public init() {}

    public mutating func advance(ms: Int) { now += UInt64(ms) * 1_000_000 }
}
