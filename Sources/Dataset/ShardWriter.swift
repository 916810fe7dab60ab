import BlockCompression
import Foundation
import RDTCore

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
