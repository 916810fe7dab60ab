import BlockCompression
import Foundation
import RDTCore
import SwiftProtobuf

/// Why a received message was not accepted.
public enum WireError: Error, CustomStringConvertible, Equatable {
    case foreign(String)
    case versionMismatch(theirs: UInt16, ours: UInt16)
    case malformed(String)

    public var description: String {
        switch self {
        case .foreign(let what): return "not a Canopy message (\(what))"
        case let .versionMismatch(theirs, ours):
            return "peer speaks Canopy protocol version \(theirs), this side speaks version \(ours); run the same Canopy version on both"
        case .malformed(let what): return "malformed message: \(what)"
        }
    }
}

/// Framing (docs/protocol.md): frame 0 is an 8-byte header ("CNPY", u16 version, u16 reserved),
/// frame 1 the protobuf envelope, frames 2... bulk data.
public enum WireCodec {
    public static let version: UInt16 = 1
    static let magic: [UInt8] = Array("CNPY".utf8)
    /// Largest envelope accepted (bulk data travels in its own frames).
    public static let maxEnvelopeBytes = 16 << 20
    /// Largest bulk frame; also the sockets' ZMQ_MAXMSGSIZE.
    public static let maxFrameBytes = 256 << 20
    public static let maxBulkFrames = 1 << 16

    public static func header(version: UInt16 = version) -> [UInt8] {
        magic + [UInt8(version & 0xff), UInt8(version >> 8), 0, 0]
    }

    public static func encode(_ message: WireMessage, version: UInt16 = version) throws -> [[UInt8]] {
        let body: [UInt8] = try message.envelope.serializedBytes()
        return [header(version: version), body] + message.bulk
    }

    /// Decodes frames (without a ROUTER identity); throws for anything foreign, of another version,
    /// or malformed. Never traps on input.
    public static func decode(_ frames: ArraySlice<[UInt8]>) throws -> WireMessage {
        guard let head = frames.first else { throw WireError.foreign("no frames") }
        guard head.count == 8, Array(head[0..<4]) == magic else { throw WireError.foreign("bad header frame") }
        let theirs = UInt16(head[4]) | UInt16(head[5]) << 8
        guard theirs == version else { throw WireError.versionMismatch(theirs: theirs, ours: version) }
        guard frames.count >= 2 else { throw WireError.malformed("no envelope frame") }
        let body = frames[frames.startIndex + 1]
        guard body.count <= maxEnvelopeBytes else { throw WireError.malformed("envelope of \(body.count) bytes") }
        guard frames.count - 2 <= maxBulkFrames else { throw WireError.malformed("\(frames.count - 2) bulk frames") }
        let envelope: Canopy_Wire_Envelope
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 16
            envelope = try Canopy_Wire_Envelope(serializedBytes: body, options: options)
        } catch {
            throw WireError.malformed("envelope does not decode (\(error))")
        }
        guard envelope.body != nil else { throw WireError.malformed("empty envelope") }
        return WireMessage(envelope, bulk: Array(frames.dropFirst(2)))
    }
}
