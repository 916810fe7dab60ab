import CZeroMQ
import Foundation
import WireProtocol

/// A worker's sockets to the other workers, for the reduction: a ROUTER others send counts and
/// bests to (CURVE with this worker's key pair, admitting the keys the coordinator names), and a
/// DEALER per other worker it sends to, connected on first use. Used on the socket loop only.
final class PeerLink {
    let context: ZMQContext
    let socket: ZMQSocket
    /// Where other workers reach this one, and the key it presents (empty in plaintext).
    let endpoint: String
    let publicKey: String
    private let pair: CurveKeyPair?
    private let gate: CurveGate?
    private var dealers: [String: ZMQSocket] = [:]

    /// Binds a ROUTER on every interface at a free port (or `port`), advertised as `host`.
    init(context: ZMQContext, pair: CurveKeyPair?, host: String, port: Int = 0, log: @escaping (String) -> Void) throws {
        self.context = context
        self.pair = pair
        if let pair {
            gate = try CurveGate(context: context, allowed: [pair.publicKey: AllowedKey(name: "this worker", role: .worker)], log: log)
        } else {
            gate = nil
        }
        socket = try ZMQSocket(context, .router)
        try socket.setMaxMessageSize(Int64(WireCodec.maxFrameBytes))
        if let pair { try Security.server(pair, allowed: [:]).apply(to: socket) }
        try socket.bind("tcp://*:\(port == 0 ? "*" : String(port))")
        let bound = try socket.lastEndpoint()
        guard let colon = bound.lastIndex(of: ":") else { throw WireError.malformed("peer socket bound at \(bound)") }
        endpoint = "tcp://\(host)\(bound[colon...])"
        publicKey = pair?.publicKey ?? ""
    }

    /// Admits these workers' keys (Z85) from now on.
    func admit(_ keys: [String]) {
        guard gate != nil else { return }
        for key in keys where !key.isEmpty && gate!.allowed[key] == nil {
            gate!.allowed[key] = AllowedKey(name: "worker peer", role: .worker)
        }
    }

    /// Answers pending CURVE handshakes.
    func serveGate() { gate?.serve() }

    /// Bytes sent to and received from other workers.
    private(set) var bytesSent = 0, bytesReceived = 0

    /// Sends `message` to the worker at `endpoint` whose key is `key`.
    func send(_ message: WireMessage, to endpoint: String, key: String) throws {
        let dealer: ZMQSocket
        if let known = dealers[endpoint] {
            dealer = known
        } else {
            dealer = try ZMQSocket(context, .dealer)
            try dealer.setMaxMessageSize(Int64(WireCodec.maxFrameBytes))
            if let pair { try Security.client(serverKey: key, pair).apply(to: dealer) }
            try dealer.connect(endpoint)
            dealers[endpoint] = dealer
        }
        bytesSent += try dealer.send(message)
    }

    /// The next message from another worker, if one is waiting.
    func receive() throws -> WireMessage? {
        guard let frames = try socket.receive(timeoutMs: 0), frames.count >= 2 else { return nil }
        bytesReceived += frames.reduce(0) { $0 + $1.count }
        return try WireCodec.decode(frames[1...])
    }

    func close() {
        for d in dealers.values { d.close() }
        dealers = [:]
        socket.close()
    }
}
