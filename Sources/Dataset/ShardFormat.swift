import BlockCompression
import Foundation
import RDTCore

/// Errors reading or writing shards; one line naming the shard (and frame) and what to do.
public enum ShardError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, frame: Int?, problem: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read shard (\(reason))"
        case let .corrupt(path, frame?, problem):
            return "\(path): frame \(frame) is corrupt (\(problem)); re-run the pre-processing task that wrote this shard"
        case let .corrupt(path, nil, problem):
            return "\(path): shard is corrupt (\(problem)); re-run the pre-processing task that wrote this shard"
        case let .unwritable(path, reason): return "\(path): cannot write shard (\(reason))"
        }
    }
}

/// The shard format (docs/formats.md): "CNPYSHD1", frame records, then a footer index and trailer.
/// Record: u32 record magic "FRM1", u32 header length, header, u32 compressed length, LZ4 payload,
/// u32 CRC-32 of header and payload. Footer: u32 count, per frame (u64 offset, u32 length, u64 id),
/// u32 CRC-32 of the footer; trailer: u64 footer offset, "CNPYEND1".
public enum ShardFormat {
    static let magic = Array("CNPYSHD1".utf8)
    static let endMagic = Array("CNPYEND1".utf8)
    static let recordMagic: UInt32 = 0x314D_5246  // "FRM1"
    public static let fileExtension = "shard"
}
