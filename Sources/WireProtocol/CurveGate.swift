import CZeroMQ
import Foundation

/// The coordinator's gatekeeper: a ZAP handler (RFC 27) that admits only the allowed client
/// keys; handshakes that fail before ZAP (a peer without keys, or with the wrong server key) are
/// reported to it by the socket's monitor (`handshakeFailed`). Every refusal is logged. Call
/// `serve()` often (the coordinator's event pump does); it never blocks.
public final class CurveGate {
    let zap: ZMQSocket
    /// Allowed public keys (Z85) -> their name and role; a worker's peer gate adds the keys
    /// the coordinator names.
    public var allowed: [String: AllowedKey]
    let log: (String) -> Void
    public private(set) var refused = 0

    /// Binds the ZAP endpoint of `context`; call before the guarded socket binds, and `watch` it.
    public init(context: ZMQContext, allowed: [String: AllowedKey], log: @escaping (String) -> Void) throws {
        zap = try ZMQSocket(context, .rep)
        try zap.bind("inproc://zeromq.zap.01")
        self.allowed = allowed
        self.log = log
    }

    /// Answers pending ZAP requests.
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
                    refusal(
                        "refused a peer from \(address): its CURVE key \(key) is not allowed (add its .pub to the allowed keys to admit it)"
                    )
                }
            } else {
                refusal("refused a peer from \(address): mechanism \(mechanism), CURVE required")
            }
            try? zap.send([Array("1.0".utf8), request[1], Array(status.utf8), Array(text.utf8), Array(user.utf8), []])
        }
    }

    /// Logs a handshake that failed before ZAP saw it.
    public func handshakeFailed(protocolError: Bool) {
        refusal(
            "refused a peer whose handshake failed (\(protocolError ? "protocol error" : "no detail")): it has no CURVE keys or the wrong coordinator key"
        )
    }

    /// Counts a refusal and logs it: every one of the first 20, then every 1000th, so a flood of
    /// strangers cannot fill the disk.
    func refusal(_ line: String) {
        refused += 1
        if refused <= 20 || refused % 1000 == 0 { log(line + " (\(refused) refused so far)") }
    }
}
