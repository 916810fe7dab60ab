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

    /// Binds a ROUTER at a free port (or `port`), advertised as `host`: on every interface with
    /// CURVE; in plaintext (loopback demos) only on `host` where it is an IPv4 address, else on
    /// 127.0.0.1 (and advertised so), so an unauthenticated socket is never open to the network
    /// by default.
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
        let isIPv4 = host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        let interface = pair != nil ? "*" : (isIPv4 ? host : "127.0.0.1")
        try socket.bind("tcp://\(interface):\(port == 0 ? "*" : String(port))")
        let bound = try socket.lastEndpoint()
        guard let colon = bound.lastIndex(of: ":") else { throw WireError.malformed("peer socket bound at \(bound)") }
        endpoint = "tcp://\(pair != nil ? host : interface)\(bound[colon...])"
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

    /// Sends `message` to the worker at `endpoint` whose key is `key`; returns its bytes.
    func send(_ message: WireMessage, to endpoint: String, key: String) throws -> Int {
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
        return try dealer.send(message)
    }

    /// The next message from another worker, if one is waiting, and its bytes (0 with `nil`
    /// for frames that are not a message).
    func receive() throws -> (message: WireMessage?, bytes: Int)? {
        guard let frames = try socket.receive(timeoutMs: 0) else { return nil }
        let bytes = frames.reduce(0) { $0 + $1.count }
        guard frames.count >= 2 else { return (nil, bytes) }
        return (try WireCodec.decode(frames[1...]), bytes)
    }

    func close() {
        for d in dealers.values { d.close() }
        dealers = [:]
        socket.close()
    }
}
