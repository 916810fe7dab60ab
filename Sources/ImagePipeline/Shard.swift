import BlockCompression
import Foundation
import RDTCore

/// One pre-processed frame: packed labels and depth (mm) cropped to the body's bounding box;
/// outside the box everything is background.
public struct ShardFrame: Equatable, Sendable {
    /// Dataset-wide frame id.
    public var id: UInt64
    /// Source name (e.g. the raw frame's file stem), with "-flipped" for mirrored copies.
    public var name: String
    /// Full image size.
    public var width: Int
    public var height: Int
    /// The crop's position and size in the full image.
    public var cropX: Int
    public var cropY: Int
    public var cropWidth: Int
    public var cropHeight: Int
    public var flipped: Bool
    public var depth: [UInt16]
    public var labels: [UInt8]

    public init(id: UInt64, name: String, width: Int, height: Int, cropX: Int, cropY: Int, cropWidth: Int,
                cropHeight: Int, flipped: Bool, depth: [UInt16], labels: [UInt8]) {
        self.id = id
        self.name = name
        self.width = width
        self.height = height
        self.cropX = cropX
        self.cropY = cropY
        self.cropWidth = cropWidth
        self.cropHeight = cropHeight
        self.flipped = flipped
        self.depth = depth
        self.labels = labels
    }

    /// Body pixels (label != 0) in the crop.
    public var bodyPixels: Int { labels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
}

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

/// Little-endian byte writer.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xff), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(v >> UInt32(s) & 0xff)) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(v >> UInt64(s) & 0xff)) } }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8.prefix(65535))
        u16(UInt16(utf8.count))
        bytes += utf8
    }
}

/// Little-endian byte reader that reports running off the end instead of trapping.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var pos: Int

    struct OutOfBounds: Error {}

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, pos + n <= bytes.count else { throw OutOfBounds() }
        defer { pos += n }
        return UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)])
    }

    mutating func u8() throws -> UInt8 { try take(1)[0] }
    mutating func u16() throws -> UInt16 { let b = try take(2); return UInt16(b[0]) | UInt16(b[1]) << 8 }
    mutating func u32() throws -> UInt32 {
        let b = try take(4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[$1]) << UInt32(8 * $1) }
    }
    mutating func u64() throws -> UInt64 {
        let b = try take(8)
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << UInt64(8 * $1) }
    }
    mutating func string() throws -> String { String(decoding: try take(Int(try u16())), as: UTF8.self) }
}

/// Writes a shard to `path` + ".tmp-PID", then `finish()` fsyncs and renames it into place.
public final class ShardWriter {
    public let path: String
    let tmp: String
    let handle: FileHandle
    var offset: UInt64 = 0
    var index: [(offset: UInt64, length: UInt32, id: UInt64)] = []

    public init(path: String) throws {
        self.path = path
        tmp = AtomicFile.temporaryName(path)
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            throw ShardError.unwritable(path: path, reason: "cannot create \(tmp)")
        }
        handle = h
        try write(ShardFormat.magic)
    }

    func write(_ bytes: [UInt8]) throws {
        do { try handle.write(contentsOf: bytes) } catch {
            throw ShardError.unwritable(path: path, reason: "\(error.localizedDescription)")
        }
        offset += UInt64(bytes.count)
    }

    public var frameCount: Int { index.count }

    /// Appends one frame.
    public func append(_ frame: ShardFrame) throws {
        precondition(frame.depth.count == frame.cropWidth * frame.cropHeight && frame.labels.count == frame.depth.count)
        var header = ByteWriter()
        header.u64(frame.id)
        header.string(frame.name)
        for v in [frame.width, frame.height, frame.cropX, frame.cropY, frame.cropWidth, frame.cropHeight] {
            header.u16(UInt16(clamping: v))
        }
        header.u8(frame.flipped ? 1 : 0)
        var raw = [UInt8](repeating: 0, count: frame.depth.count * 3)
        raw.withUnsafeMutableBytes { r in
            frame.depth.withUnsafeBytes { r.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            frame.labels.withUnsafeBytes { l in
                (r.baseAddress! + frame.depth.count * 2).copyMemory(from: l.baseAddress!, byteCount: l.count)
            }
        }
        let payload = try LZ4Codec.compress(raw)
        var record = ByteWriter()
        record.u32(ShardFormat.recordMagic)
        record.u32(UInt32(header.bytes.count))
        record.bytes += header.bytes
        record.u32(UInt32(payload.count))
        record.bytes += payload
        let crc = CRC32.checksum(header.bytes + payload)
        record.u32(crc)
        index.append((offset, UInt32(record.bytes.count), frame.id))
        try write(record.bytes)
    }

    /// Writes the footer, fsyncs and renames the shard into place.
    public func finish() throws {
        var footer = ByteWriter()
        footer.u32(UInt32(index.count))
        for entry in index {
            footer.u64(entry.offset)
            footer.u32(entry.length)
            footer.u64(entry.id)
        }
        footer.u32(CRC32.checksum(footer.bytes))
        let footerOffset = offset
        var trailer = ByteWriter()
        trailer.u64(footerOffset)
        trailer.bytes += ShardFormat.endMagic
        try write(footer.bytes + trailer.bytes)
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ShardError.unwritable(path: path, reason: "\(error.localizedDescription)")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw ShardError.unwritable(path: path, reason: reason)
        }
    }

    /// Removes the temporary file of an unfinished shard.
    public func abandon() {
        try? handle.close()
        unlink(tmp)
    }
}

/// Random access to a shard's frames; every frame's CRC is checked when it is read.
public final class ShardReader {
    public let path: String
    let data: Data
    public let entries: [(offset: Int, length: Int, id: UInt64)]

    /// The CRC-32 of the whole file (what manifest.json records for it).
    public var checksum: UInt32 { data.withUnsafeBytes { CRC32.checksum($0) } }

    public init(path: String) throws {
        self.path = path
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ShardError.unreadable(path: path, reason: "missing or unreadable")
        }
        func corrupt(_ problem: String) -> ShardError { .corrupt(path: path, frame: nil, problem: problem) }
        let count = data.count
        guard count >= ShardFormat.magic.count + 16 + 4 + 4 else { throw corrupt("truncated: \(count) bytes") }
        guard Array(data.prefix(8)) == ShardFormat.magic else { throw corrupt("not a Canopy shard (bad magic)") }
        guard Array(data.suffix(8)) == ShardFormat.endMagic else {
            throw corrupt("truncated: no end marker (the writing task may have died)")
        }
        entries = try data.withUnsafeBytes { raw -> [(Int, Int, UInt64)] in
            var trailer = ByteReader(bytes: raw, pos: count - 16)
            let footerOffset = Int(try trailer.u64())
            guard footerOffset >= 8, footerOffset < count - 16 else { throw corrupt("footer offset out of range") }
            let footerBytes = UnsafeRawBufferPointer(rebasing: raw[footerOffset..<(count - 16)])
            guard footerBytes.count >= 8 else { throw corrupt("footer too short") }
            var stored = ByteReader(bytes: footerBytes, pos: footerBytes.count - 4)
            let crc = try stored.u32()
            guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: footerBytes[0..<(footerBytes.count - 4)])) == crc else {
                throw corrupt("footer index checksum mismatch")
            }
            var r = ByteReader(bytes: footerBytes, pos: 0)
            let n = Int(try r.u32())
            guard n * 20 + 8 == footerBytes.count else { throw corrupt("footer lists \(n) frames but has \(footerBytes.count) bytes") }
            var list: [(Int, Int, UInt64)] = []
            for i in 0..<n {
                let off = Int(try r.u64()), len = Int(try r.u32()), id = try r.u64()
                guard off >= 8, len > 0, off + len <= footerOffset else {
                    throw ShardError.corrupt(path: path, frame: i, problem: "index entry out of range")
                }
                list.append((off, len, id))
            }
            return list
        }.map { (offset: $0.0, length: $0.1, id: $0.2) }
    }

    public var count: Int { entries.count }

    /// Reads and checks frame `i` (its position in the shard).
    public func frame(_ i: Int) throws -> ShardFrame {
        guard i >= 0, i < entries.count else {
            throw ShardError.corrupt(path: path, frame: i, problem: "no such frame; the shard holds \(entries.count)")
        }
        let entry = entries[i]
        func corrupt(_ problem: String) -> ShardError { .corrupt(path: path, frame: i, problem: problem) }
        return try data.withUnsafeBytes { raw in
            let record = UnsafeRawBufferPointer(rebasing: raw[entry.offset..<(entry.offset + entry.length)])
            var r = ByteReader(bytes: record, pos: 0)
            do {
                guard try r.u32() == ShardFormat.recordMagic else { throw corrupt("bad record marker") }
                let headerBytes = try r.take(Int(try r.u32()))
                let payload = try r.take(Int(try r.u32()))
                let crc = try r.u32()
                var check = CRC32.checksum(headerBytes)
                check = CRC32.checksum(payload, initial: check)
                guard check == crc else { throw corrupt("CRC mismatch") }
                var h = ByteReader(bytes: headerBytes, pos: 0)
                let id = try h.u64()
                let name = try h.string()
                let dims = try (0..<6).map { _ in Int(try h.u16()) }
                let flipped = try h.u8() != 0
                let (w, hgt, cx, cy, cw, ch) = (dims[0], dims[1], dims[2], dims[3], dims[4], dims[5])
                guard cx + cw <= w, cy + ch <= hgt else { throw corrupt("crop outside the image") }
                guard id == entry.id else { throw corrupt("id \(id) differs from the index's \(entry.id)") }
                let n = cw * ch
                var raw = [UInt8](repeating: 0, count: n * 3)
                do {
                    try raw.withUnsafeMutableBytes { try LZ4Codec.decompress(payload, into: $0) }
                } catch { throw corrupt("LZ4 payload does not decompress to \(n * 3) bytes") }
                var depth = [UInt16](repeating: 0, count: n)
                depth.withUnsafeMutableBytes { d in raw.withUnsafeBytes { d.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)])) } }
                let labels = Array(raw[(2 * n)...])
                return ShardFrame(id: id, name: name, width: w, height: hgt, cropX: cx, cropY: cy, cropWidth: cw,
                                  cropHeight: ch, flipped: flipped, depth: depth, labels: labels)
            } catch is ByteReader.OutOfBounds {
                throw corrupt("record is shorter than its lengths say")
            }
        }
    }

    /// Reads and checks every frame (what `preprocess --merge` does for each shard).
    public func validate() throws {
        for i in 0..<count { _ = try frame(i) }
    }
}
