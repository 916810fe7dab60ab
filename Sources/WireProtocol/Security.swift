import CZeroMQ
import Foundation

/// Problems with keys and security settings; one line each, naming the file.
public enum SecurityError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case invalid(path: String, problem: String)
    case noSecurity(role: String)
    case unavailable

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read the key file (\(reason))"
        case let .unwritable(path, reason): return "\(path): cannot write the key file (\(reason)); check the folder is writable"
        case let .invalid(path, problem): return "\(path): not a Canopy key file (\(problem)); make one with `canopy keys generate`"
        case .noSecurity(let role):
            return "no CURVE keys for this \(role): pass --cluster NAME or the key options (see `canopy keys generate` and docs/reliability.md), or --plaintext for a loopback demo"
        case .unavailable: return "this libzmq has no CURVE support; install libzmq3-dev from Debian (scripts/setup)"
        }
    }
}

/// A CURVE key pair, both halves as 40-character Z85 text.
public struct CurveKeyPair: Equatable, Sendable {
    public let publicKey: String
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair from libzmq.
    public static func generate() throws -> CurveKeyPair {
        guard zmqHas("curve") else { throw SecurityError.unavailable }
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(cString: pub), secretKey: String(cString: sec))
    }

    /// The key file of a pair ("NAME.key": both keys; keep it private).
    public var secretFileText: String {
        "# Canopy CURVE key pair. Keep this file private (mode 0600).\npublic-key = \(publicKey)\nsecret-key = \(secretKey)\n"
    }

    /// The public half ("NAME.pub": give it to the coordinator's allow list, or to workers).
    public var publicFileText: String { "# Canopy CURVE public key.\npublic-key = \(publicKey)\n" }

    /// Writes NAME.key (0600) and NAME.pub into `directory`; refuses to overwrite a key.
    public func write(directory: String, name: String) throws -> (secret: String, public: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let secret = directory + "/" + name + ".key", pub = directory + "/" + name + ".pub"
        for path in [secret, pub] where FileManager.default.fileExists(atPath: path) {
            throw SecurityError.invalid(path: path, problem: "it exists already; remove it first to replace the key")
        }
        let fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw SecurityError.unwritable(path: secret, reason: String(cString: strerror(errno))) }
        let bytes = Array(secretFileText.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count else { throw SecurityError.unwritable(path: secret, reason: "short write") }
        try Data(publicFileText.utf8).write(to: URL(fileURLWithPath: pub), options: .atomic)
        return (secret, pub)
    }

    static func fields(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecurityError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        var fields: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw SecurityError.invalid(path: path, problem: "line \"\(text.prefix(40))\"") }
            guard parts[1].utf8.count == 40, parts[1].utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                throw SecurityError.invalid(path: path, problem: "\(parts[0]) is not a 40-character Z85 key")
            }
            fields[parts[0]] = parts[1]
        }
        return fields
    }

    /// Reads a key pair from a NAME.key file.
    public static func load(secretFile path: String) throws -> CurveKeyPair {
        let f = try fields(path)
        guard let pub = f["public-key"], let sec = f["secret-key"] else {
            throw SecurityError.invalid(path: path, problem: "it needs public-key and secret-key lines; is it a .pub file?")
        }
        return CurveKeyPair(publicKey: pub, secretKey: sec)
    }

    /// Reads the public key of a NAME.pub (or NAME.key) file.
    public static func loadPublic(_ path: String) throws -> String {
        guard let pub = try fields(path)["public-key"] else { throw SecurityError.invalid(path: path, problem: "no public-key line") }
        return pub
    }
}

/// What an allowed key may do: a worker key trains and may also ask for status and forests; a
/// client key may only ask for status and forests (`canopy status`, `canopy fetch`).
public enum PeerRole: String, Sendable {
    case worker, client
}

/// A key the coordinator admits: a name for logs (its .pub file's) and its role.
public struct AllowedKey: Equatable, Sendable {
    public var name: String
    public var role: PeerRole

    public init(name: String, role: PeerRole) {
        self.name = name
        self.role = role
    }

    /// What the ZAP handler hands libzmq as the connection's User-Id: "ROLE:NAME".
    public var userID: String { role.rawValue + ":" + name }

    /// The role a message's User-Id names; nil without one (plaintext).
    public static func role(ofUserID id: String?) -> PeerRole? {
        guard let id, let colon = id.firstIndex(of: ":") else { return nil }
        return PeerRole(rawValue: String(id[..<colon]))
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

/// The coordinator's gatekeeper: a ZAP handler (RFC 27) that admits only the allowed client
/// keys, plus a socket monitor for handshakes that fail before ZAP (a peer without keys, or
/// with the wrong server key). Every refusal is logged. Call `serve()` often (the coordinator's
/// event pump does); it never blocks.
public final class CurveGate {
    let zap: ZMQSocket
    let events: ZMQSocket
    /// Allowed public keys (Z85) -> their name and role.
    let allowed: [String: AllowedKey]
    let log: (String) -> Void
    public private(set) var refused = 0

    /// Binds the ZAP endpoint of `context`; call before the guarded socket binds, and `watch` it.
    public init(context: ZMQContext, allowed: [String: AllowedKey], log: @escaping (String) -> Void) throws {
        zap = try ZMQSocket(context, .rep)
        try zap.bind("inproc://zeromq.zap.01")
        events = try ZMQSocket(context, .pair)
        self.allowed = allowed
        self.log = log
    }

    /// Starts logging failed handshakes of `socket`.
    public func watch(_ socket: ZMQSocket) throws {
        let endpoint = "inproc://canopy-monitor-\(UInt(bitPattern: ObjectIdentifier(socket).hashValue))"
        try socket.monitor(endpoint, events: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        try events.connect(endpoint)
    }

    /// Answers pending ZAP requests and logs failed handshakes.
    public func serve() {
        while let request = try? zap.receive(timeoutMs: 0) {
            // version, request id, domain, address, routing id, mechanism, credentials...
            guard request.count >= 6 else { continue }
            let address = String(decoding: request[3], as: UTF8.self)
            let mechanism = String(decoding: request[5], as: UTF8.self)
            var status = "400", text = "not allowed", user = ""
            if mechanism == "CURVE", request.count >= 7, request[6].count == 32 {
                let key = Z85.encode(request[6])
                if let allowedKey = allowed[key] {
                    status = "200"
                    text = "OK"
                    user = allowedKey.userID
                } else {
                    refusal("refused a peer from \(address): its CURVE key \(key) is not allowed (add its .pub to the allowed keys to admit it)")
                }
            } else {
                refusal("refused a peer from \(address): mechanism \(mechanism), CURVE required")
            }
            try? zap.send([Array("1.0".utf8), request[1], Array(status.utf8), Array(text.utf8), Array(user.utf8), []])
        }
        while let event = try? events.receive(timeoutMs: 0) {
            guard let head = event.first, head.count >= 6 else { continue }
            let code = UInt16(head[0]) | UInt16(head[1]) << 8
            refusal("refused a peer whose handshake failed (\(code == UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) ? "protocol error" : "no detail")): it has no CURVE keys or the wrong coordinator key")
        }
    }

    /// Counts a refusal and logs it: every one of the first 20, then every 1000th, so a flood of
    /// strangers cannot fill the disk.
    func refusal(_ line: String) {
        refused += 1
        if refused <= 20 || refused % 1000 == 0 { log(line + " (\(refused) refused so far)") }
    }
}

/// Z85 text of binary keys (libzmq's encoder), for naming keys in logs and allow lists.
enum Z85 {
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard bytes.count % 4 == 0, zmq_z85_encode(&out, bytes, bytes.count) != nil else { return "?" }
        return String(cString: out)
    }
}
