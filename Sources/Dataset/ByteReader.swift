/// Little-endian byte reader that reports running off the end instead of trapping.
public struct ByteReader {
    public let bytes: UnsafeRawBufferPointer
    public var pos: Int

    public struct OutOfBounds: Error {
        public init() {}
    }

    public init(bytes: UnsafeRawBufferPointer, pos: Int = 0) {
        self.bytes = bytes
        self.pos = pos
    }

    public mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, pos + n <= bytes.count else { throw OutOfBounds() }
        defer { pos += n }
        return UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)])
    }

    public mutating func u8() throws -> UInt8 { try take(1)[0] }
    public mutating func u16() throws -> UInt16 {
        let b = try take(2)
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }
    public mutating func u32() throws -> UInt32 {
        let b = try take(4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[$1]) << UInt32(8 * $1) }
    }
    public mutating func u64() throws -> UInt64 {
        let b = try take(8)
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << UInt64(8 * $1) }
    }
    public mutating func string() throws -> String { String(decoding: try take(Int(try u16())), as: UTF8.self) }
}
