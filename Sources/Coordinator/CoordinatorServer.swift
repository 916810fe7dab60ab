import CZeroMQ
import Foundation
import Logging
import WireProtocol

/// The coordinator's only code that touches sockets: one ROUTER socket, behind a CURVE gate where
/// the security says so. It bounds what a peer may send (by its key's role), never blocks on a
/// send, and logs dropped messages sparingly, so a hostile peer cannot fill the disk.
final class CoordinatorServer {
    /// The endpoint actually bound (a `*` port resolved).
    let endpoint: String
    var logger: Logger
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let gate: CurveGate?
    /// The socket's monitor: handshakes begun, ended and failed.
    private let events: ZMQSocket
    private var limiter: HandshakeLimiter
    /// Messages dropped in all, and per peer name ("w3", or "?" for unknown peers together).
    private var droppedTotal = 0
    private var dropped: [String: Int] = [:]
    private var unsent = 0

    /// Connections at most in their handshake at once (see `HandshakeLimiter`), and how long a
    /// handshake may take.
    static let pendingHandshakeCap = 256
    static let handshakeMs: Int32 = 5_000

    init(bind: String, security: Security, logger: Logger) throws {
        self.logger = logger
        limiter = HandshakeLimiter(cap: Self.pendingHandshakeCap, windowMs: Int(Self.handshakeMs))
        Self.raiseDescriptorLimit()
        context = try ZMQContext()
        socket = try ZMQSocket(context, .router)
        try socket.setMaxMessageSize(Int64(WireCodec.maxFrameBytes))
        try socket.setOption(ZMQ_ROUTER_MANDATORY, Int32(1))
        // A peer that connects and never completes the handshake is closed after 5 s (libzmq's
        // default is 30 s), so a flood of them holds descriptors only briefly.
        try socket.setOption(ZMQ_HANDSHAKE_IVL, Self.handshakeMs)
        if case let .server(_, allowed) = security {
            gate = try CurveGate(context: context, allowed: allowed, log: { logger.warning("\($0)") })
        } else {
            gate = nil
        }
        events = try ZMQSocket(context, .pair)
        let monitor = "inproc://canopy-monitor-\(UInt(bitPattern: ObjectIdentifier(socket).hashValue))"
        try socket.monitor(
            monitor,
            events: ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        try events.connect(monitor)
        try security.apply(to: socket)
        try socket.bind(bind)
        endpoint = try socket.lastEndpoint()
    }

    /// The next message within `timeoutMs` (0: only one already queued), after answering the
    /// CURVE gate's questions.
    func receive(timeoutMs: Int) throws -> ZMQSocket.Received? {
        gate?.serve()
        watchHandshakes()
        return try socket.receiveMessage(timeoutMs: timeoutMs, maxBytes: Self.maxMessageBytes)
    }

    /// Sends `message` to each of `identities`, encoded once, without blocking: a peer that does
    /// not read loses it. Returns the bytes sent and the peers found gone (ROUTER_MANDATORY makes a
    /// closed connection unroutable at once, well before its heartbeats are missed).
    func send(_ message: WireMessage, to identities: [PeerIdentity], name: (PeerIdentity) -> String)
        -> (bytes: Int, gone: [PeerIdentity])
    {
        let frames: [[UInt8]]
        do { frames = try WireCodec.encode(message) } catch {
            logger.error("could not encode \(message.kind): \(error)")
            return (0, [])
        }
        let size = frames.reduce(0) { $0 + $1.count }
        var bytes = 0
        var gone: [PeerIdentity] = []
        for identity in identities {
            do {
                try socket.send([identity] + frames, dontWait: true)
                bytes += size
            } catch let error as ZMQError where error.code == EHOSTUNREACH {
                gone.append(identity)
            } catch {
                unsent += 1
                if unsent <= 20 || unsent % 10_000 == 0 {
                    logger.warning("could not send \(message.kind) to \(name(identity)): \(error) (\(unsent) unsent so far)")
                }
            }
        }
        return (bytes, gone)
    }

    /// Reads the monitor's events: failed handshakes go to the gate's log, and connections beyond
    /// the cap on pending handshakes are shut down (libzmq then closes them).
    private func watchHandshakes() {
        while let event = try? events.receive(timeoutMs: 0) {
            guard let head = event.first, head.count >= 6 else { continue }
            let code = Int32(UInt16(head[0]) | UInt16(head[1]) << 8)
            let value = head[2..<6].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
            let now = DispatchTime.now().uptimeNanoseconds
            switch code {
            case ZMQ_EVENT_ACCEPTED:
                if let fd = limiter.on(.accepted(fd: Int32(bitPattern: value)), now: now) {
                    shutdown(fd, Int32(SHUT_RDWR))
                    if limiter.shed <= 20 || limiter.shed % 1000 == 0 {
                        logger.warning(
                            "shed a connection: \(Self.pendingHandshakeCap) are in their handshake already (\(limiter.shed) shed so far)")
                    }
                }
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                gate?.handshakeFailed(protocolError: code == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
                _ = limiter.on(.ended, now: now)
            default:
                _ = limiter.on(.ended, now: now)
            }
        }
    }

    /// Drops a message and logs it sparingly: up to 20 lines per peer while the whole stays under
    /// 200, then every 10,000th. A peer that registers again and again gets a new name each time,
    /// so the total, not the per-peer count, is what bounds the log.
    func drop(from peer: String?, _ why: @autoclosure () -> String) {
        var peer = peer ?? "?"
        if dropped[peer] == nil && dropped.count >= 1000 { peer = "?" }
        let count = (dropped[peer] ?? 0) + 1
        dropped[peer] = count
        droppedTotal += 1
        if (count <= 20 && droppedTotal <= 200) || droppedTotal % 10_000 == 0 {
            logger.warning("\(why()) (\(droppedTotal) dropped so far; \(count) from \(peer == "?" ? "unknown peers" : peer))")
        }
    }

    /// Receives and discards for `ms` milliseconds (goodbyes after the last message).
    func drain(ms: Int) {
        let until = DispatchTime.now().uptimeNanoseconds + UInt64(ms) * 1_000_000
        while DispatchTime.now().uptimeNanoseconds < until { _ = try? socket.receive(timeoutMs: 10) }
    }

    /// The most a whole message may hold, by the sender's role: a worker's histogram reply is
    /// bounded by the batch budget; a client (status, fetch) sends only small requests.
    static func maxMessageBytes(_ userID: String?) -> Int {
        switch AllowedKey.role(ofUserID: userID) {
        case .worker?: return 1 << 30
        case .client?: return 1 << 20
        case nil: return userID == nil ? 1 << 30 : 1 << 20  // plaintext: every peer is a worker
        }
    }

    /// Every connection costs a descriptor: the soft limit (often 1024) is raised to the hard one,
    /// so a burst of connections cannot starve checkpoint writes.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        let files = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(files, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(files, &limit)
    }

    /// Peer-supplied text as it may appear in a log line: at most 200 characters, one line.
    static func clip(_ text: String) -> String {
        let line = String(text.prefix(200)).replacingOccurrences(of: "\n", with: " ")
        return text.count > 200 ? line + "..." : line
    }
}
