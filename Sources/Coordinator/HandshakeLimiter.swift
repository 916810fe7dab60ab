/// A cap on connections in their handshake. libzmq has no such limit, and each such connection
/// holds a descriptor until its handshake ends or times out (`ZMQ_HANDSHAKE_IVL`). From the
/// socket monitor's events the limiter counts, over the last handshake interval, connections
/// accepted against handshakes ended (succeeded, failed, disconnected); a connection accepted
/// while that count is at the cap is shed at once. A real peer's handshake ends in milliseconds,
/// so only a flood reaches the cap; a peer shed by mistake reconnects by itself.
struct HandshakeLimiter {
    enum Event: Equatable {
        case accepted(fd: Int32)
        case ended
    }

    let cap: Int
    let windowNs: UInt64
    private var accepted: [UInt64] = []
    private var ended: [UInt64] = []
    private(set) var shed = 0

    init(cap: Int, windowMs: Int) {
        self.cap = cap
        windowNs = UInt64(windowMs) * 1_000_000
    }

    /// Connections that may still be in their handshake.
    var pending: Int { max(0, accepted.count - ended.count) }

    /// Takes an event; returns the descriptor to shed, if any.
    mutating func on(_ event: Event, now: UInt64) -> Int32? {
        let horizon = now > windowNs ? now - windowNs : 0
        accepted.removeAll { $0 < horizon }
        ended.removeAll { $0 < horizon }
        switch event {
        case .ended:
            ended.append(now)
            return nil
        case .accepted(let fd):
            guard pending >= cap else {
                accepted.append(now)
                return nil
            }
            shed += 1
            return fd
        }
    }
}
