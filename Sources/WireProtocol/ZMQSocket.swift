import CZeroMQ
import Foundation

/// Errors from ZeroMQ calls, carrying libzmq's own message.
public struct ZMQError: Error, CustomStringConvertible, Equatable {
    public let operation: String
    public let code: Int32
    public var message: String { String(cString: zmq_strerror(code)) }
    public var description: String { "ZeroMQ \(operation) failed: \(message)" }

    static func last(_ operation: String) -> ZMQError { ZMQError(operation: operation, code: zmq_errno()) }
}

/// True where libzmq was built with a capability such as "curve".
public func zmqHas(_ capability: String) -> Bool { zmq_has(capability) != 0 }

/// One ZeroMQ socket. Not thread-safe: use it from one thread at a time.
public final class ZMQSocket {
    public enum Kind {
        case router, dealer, rep, pair
        var raw: Int32 {
            switch self {
            case .router: return ZMQ_ROUTER
            case .dealer: return ZMQ_DEALER
            case .rep: return ZMQ_REP
            case .pair: return ZMQ_PAIR
            }
        }
    }

    public let context: ZMQContext
    let handle: UnsafeMutableRawPointer
    private var closed = false

    /// Creates a socket; linger is 0 so closing never blocks on unsent messages.
    public init(_ context: ZMQContext, _ kind: Kind) throws {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw ZMQError.last("zmq_socket") }
        self.context = context
        handle = h
        try setOption(ZMQ_LINGER, Int32(0))
    }

    deinit { close() }

    public func close() {
        if !closed {
            zmq_close(handle)
            closed = true
        }
    }

    public func setOption(_ option: Int32, _ value: Int32) throws {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, bytes.count) }
        guard rc == 0 else { throw ZMQError.last("zmq_setsockopt(\(option))") }
    }

    /// Sets a string option (a Z85 key, a ZAP domain).
    public func setOption(_ option: Int32, string: String) throws {
        try setOption(option, bytes: Array(string.utf8) + [0])
    }

    /// Publishes `events` of this socket on an inproc PAIR endpoint (zmq_socket_monitor).
    public func monitor(_ endpoint: String, events: Int32) throws {
        guard zmq_socket_monitor(handle, endpoint, events) == 0 else { throw ZMQError.last("zmq_socket_monitor") }
    }

    /// Refuses (drops the connection of) any peer that sends a message larger than `bytes`.
    public func setMaxMessageSize(_ bytes: Int64) throws { try setOption(ZMQ_MAXMSGSIZE, bytes) }

    public func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect \(endpoint)") }
    }

    /// The endpoint actually bound (resolves a `tcp://127.0.0.1:*` wildcard port).
    public func lastEndpoint() throws -> String {
        var buf = [CChar](repeating: 0, count: 256)
        var len = buf.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buf, &len) == 0 else {
            throw ZMQError.last("getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(cString: buf)
    }

    /// Sends a multipart message; frames are copied into libzmq. With `dontWait`, a peer whose
    /// queue is full makes this throw (EAGAIN) instead of blocking.
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws {
        for (i, frame) in frames.enumerated() {
            let flags = (i < frames.count - 1 ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, frame.count, flags) }
            guard rc >= 0 else { throw ZMQError.last("send") }
        }
    }

    /// Waits up to `timeoutMs` until any of `sockets` has a message; returns which do.
    public static func poll(_ sockets: [ZMQSocket], timeoutMs: Int) throws -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let rc = zmq_poll(&items, Int32(items.count), timeoutMs)
        if rc < 0 {
            if zmq_errno() == EINTR { return sockets.map { _ in false } }
            throw ZMQError.last("poll")
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }

    /// Receives one multipart message, waiting at most `timeoutMs` (nil waits forever); nil on timeout.
    /// One received message: its frames, the User-Id its connection was admitted with (CURVE,
    /// through ZAP; nil in plaintext), and whether it was over the byte cap (then its frames past
    /// the cap were not copied, and the message should be dropped).
    public struct Received {
        public var frames: [[UInt8]]
        public var userID: String?
        public var oversized: Bool
    }

    public func receive(timeoutMs: Int? = nil) throws -> [[UInt8]]? {
        try receiveMessage(timeoutMs: timeoutMs)?.frames
    }

    /// Receives one message; frames are copied only while the message's total stays within
    /// `maxBytes(userID)` bytes (a peer cannot make this process hold many capped frames at once).
    public func receiveMessage(timeoutMs: Int? = nil, maxBytes: (String?) -> Int = { _ in .max }) throws -> Received? {
        if let timeoutMs {
            var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            let rc = zmq_poll(&item, 1, timeoutMs)
            if rc < 0 {
                if zmq_errno() == EINTR { return nil }
                throw ZMQError.last("poll")
            }
            if rc == 0 { return nil }
        }
        var received = Received(frames: [], userID: nil, oversized: false)
        var more = true
        var total = 0, cap = maxBytes(nil)
        while more {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            guard zmq_msg_recv(&msg, handle, 0) >= 0 else { throw ZMQError.last("receive") }
            // The metadata rides on the frames that came over the wire (a ROUTER's first frame,
            // the routing id, is made locally and has none).
            if received.userID == nil, let id = zmq_msg_gets(&msg, "User-Id") {
                received.userID = String(cString: id)
                cap = maxBytes(received.userID)
            }
            let size = zmq_msg_size(&msg)
            total += size
            if total > cap { received.oversized = true }
            if !received.oversized {
                if size > 0, let data = zmq_msg_data(&msg) {
                    received.frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
                } else {
                    received.frames.append([])
                }
            }
            more = zmq_msg_more(&msg) != 0
        }
        return received
    }
}
