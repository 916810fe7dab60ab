import BlockCompression
import Foundation
import RDTCore
import SwiftProtobuf

extension ZMQSocket {
    /// Sends a message, with a ROUTER identity frame first where given; returns its bytes.
    @discardableResult
    public func send(
        _ message: WireMessage, to identity: [UInt8]? = nil, version: UInt16 = WireCodec.version,
        dontWait: Bool = false
    ) throws -> Int {
        var frames = try WireCodec.encode(message, version: version)
        if let identity { frames.insert(identity, at: 0) }
        try send(frames, dontWait: dontWait)
        return frames.reduce(0) { $0 + $1.count }
    }
}
