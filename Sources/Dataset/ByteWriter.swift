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
