import CZeroMQ
import Foundation
import RDTCore

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
        try AtomicFile.makeDirectory(directory)
        let secret = directory + "/" + name + ".key", pub = directory + "/" + name + ".pub"
        for path in [secret, pub] where FileManager.default.fileExists(atPath: path) {
            throw SecurityError.exists(path: path)
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
            throw SecurityError.unreadable(
                path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
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
