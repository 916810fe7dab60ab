import CZeroMQ
import Foundation

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
