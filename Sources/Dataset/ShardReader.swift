import BlockCompression
import Foundation
import RDTCore

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
                depth.withUnsafeMutableBytes { d in
                    raw.withUnsafeBytes { d.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)])) }
                }
                let labels = Array(raw[(2 * n)...])
                return ShardFrame(
                    id: id, name: name, width: w, height: hgt, cropX: cx, cropY: cy, cropWidth: cw,
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
