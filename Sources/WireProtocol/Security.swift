import CZeroMQ
import Foundation

/// Problems with keys and security settings; one line each, naming the file.
public enum SecurityError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case invalid(path: String, problem: String)
    case exists(path: String)
    case noSecurity(role: String)
    case unavailable

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read the key file (\(reason))"
        case let .unwritable(path, reason): return "\(path): cannot write the key file (\(reason)); check the folder is writable"
        case let .invalid(path, problem): return "\(path): not a Canopy key file (\(problem)); make one with `canopy keys generate`"
        case .exists(let path):
            return "\(path): the key file exists already; keys are never overwritten: remove it first to replace the key"
        case .noSecurity(let role):
            return
                "no CURVE keys for this \(role): pass --cluster NAME or the key options (see `canopy keys generate` and docs/reliability.md), or --plaintext for a loopback demo"
        case .unavailable: return "this libzmq has no CURVE support; install libzmq3-dev from Debian (scripts/setup)"
        }
    }
}

/// How a socket talks: in the clear (loopback demos only), or CURVE as the coordinator (its key
/// pair and the keys it allows, by Z85 public key) or as a client of it (the coordinator's public
/// key and its own pair).
public enum Security: Sendable {
    case plaintext
    case server(CurveKeyPair, allowed: [String: AllowedKey])
    case client(serverKey: String, CurveKeyPair)

    /// Sets the socket's CURVE options (before bind or connect).
    public func apply(to socket: ZMQSocket) throws {
        switch self {
        case .plaintext:
            return
        case let .server(pair, _):
            guard zmqHas("curve") else { throw SecurityError.unavailable }
            try socket.setOption(ZMQ_CURVE_SERVER, Int32(1))
            try socket.setOption(ZMQ_CURVE_SECRETKEY, string: pair.secretKey)
            try socket.setOption(ZMQ_ZAP_DOMAIN, string: "canopy")
        case let .client(serverKey, pair):
            guard zmqHas("curve") else { throw SecurityError.unavailable }
            try socket.setOption(ZMQ_CURVE_SERVERKEY, string: serverKey)
            try socket.setOption(ZMQ_CURVE_PUBLICKEY, string: pair.publicKey)
            try socket.setOption(ZMQ_CURVE_SECRETKEY, string: pair.secretKey)
        }
    }
}
