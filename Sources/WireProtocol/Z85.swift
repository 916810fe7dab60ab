import CZeroMQ
import Foundation

/// Z85 text of binary keys (libzmq's encoder), for naming keys in logs and allow lists.
enum Z85 {
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard bytes.count % 4 == 0, zmq_z85_encode(&out, bytes, bytes.count) != nil else { return "?" }
        return String(cString: out)
    }
}
