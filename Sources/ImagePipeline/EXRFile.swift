import CZlib
import Dataset
import Foundation

/// Errors reading OpenEXR files; one line naming the file.
public enum EXRError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)
    case unsupported(path: String, what: String)
    case corrupt(path: String, problem: String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read EXR file (missing or unreadable)"
        case let .unsupported(path, what):
            return "\(path): unsupported EXR (\(what)); glimpse writes single-part scanline files with no, ZIPS or ZIP compression"
        case let .corrupt(path, problem): return "\(path): corrupt EXR (\(problem))"
        }
    }
}

/// A small reader for the OpenEXR files glimpse writes: single-part scanline images, HALF or FLOAT
/// channels, compression NONE, ZIPS or ZIP. Returns one channel as Float, row-major.
public enum EXRFile {
    public struct Image: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var channel: String
        public var values: [Float]
    }

    struct Channel {
        var name: String
        var type: Int32  // 0 UINT, 1 HALF, 2 FLOAT
        var bytes: Int { type == 1 ? 2 : 4 }
    }

    /// Reads the first of `preferred` channels present (else the only channel).
    public static func read(_ path: String, preferred: [String] = ["Y", "Z", "R", "depth", "distance"]) throws -> Image {
        guard let data = FileManager.default.contents(atPath: path) else { throw EXRError.unreadable(path: path) }
        let bytes = [UInt8](data)
        func corrupt(_ p: String) -> EXRError { .corrupt(path: path, problem: p) }
        return try bytes.withUnsafeBytes { raw in
            var r = ByteReader(bytes: raw, pos: 0)
            do {
                guard try r.u32() == 20_000_630 else { throw corrupt("bad magic number") }
                let version = try r.u32()
                guard version & 0xff == 2 else { throw EXRError.unsupported(path: path, what: "version \(version & 0xff)") }
                guard version & 0x1e00 == 0 else { throw EXRError.unsupported(path: path, what: "tiled, deep or multi-part") }
                var channels: [Channel] = []
                var compression: UInt8 = 0
                var window: (Int32, Int32, Int32, Int32)?
                while true {
                    let name = try cString(&r)
                    if name.isEmpty { break }
                    _ = try cString(&r)  // type name
                    let size = Int(try r.u32())
                    var value = ByteReader(bytes: try r.take(size), pos: 0)
                    switch name {
                    case "channels":
                        while true {
                            let cname = try cString(&value)
                            if cname.isEmpty { break }
                            let type = Int32(bitPattern: try value.u32())
                            _ = try value.take(12)  // pLinear, reserved, xSampling, ySampling
                            channels.append(Channel(name: cname, type: type))
                        }
                    case "compression": compression = try value.u8()
                    case "dataWindow":
                        window = (
                            Int32(bitPattern: try value.u32()), Int32(bitPattern: try value.u32()),
                            Int32(bitPattern: try value.u32()), Int32(bitPattern: try value.u32())
                        )
                    default: break
                    }
                }
                guard let (x0, y0, x1, y1) = window, x1 >= x0, y1 >= y0, x1 - x0 < 65536, y1 - y0 < 65536 else {
                    throw corrupt("missing or invalid dataWindow")
                }
                guard !channels.isEmpty, channels.allSatisfy({ (0...2).contains($0.type) }) else {
                    throw corrupt("missing or invalid channel list")
                }
                let linesPerChunk: Int
                switch compression {
                case 0, 2: linesPerChunk = 1
                case 3: linesPerChunk = 16
                default: throw EXRError.unsupported(path: path, what: "compression type \(compression)")
                }
                let width = Int(x1 - x0) + 1, height = Int(y1 - y0) + 1
                guard
                    let pick = preferred.lazy.compactMap({ p in channels.firstIndex { $0.name == p } }).first
                        ?? (channels.count == 1 ? 0 : nil)
                else {
                    throw EXRError.unsupported(path: path, what: "no depth channel among \(channels.map(\.name))")
                }
                let rowBytes = channels.reduce(0) { $0 + $1.bytes * width }
                let channelOffset = channels[..<pick].reduce(0) { $0 + $1.bytes * width }
                let chunks = (height + linesPerChunk - 1) / linesPerChunk
                let offsets = try (0..<chunks).map { _ in Int(try r.u64()) }
                var values = [Float](repeating: 0, count: width * height)
                var block = [UInt8]()
                for offset in offsets {
                    guard offset > 0, offset < raw.count else { throw corrupt("chunk offset out of range") }
                    var c = ByteReader(bytes: raw, pos: offset)
                    let y = Int(Int32(bitPattern: try c.u32())) - Int(y0)
                    let size = Int(try c.u32())
                    guard y >= 0, y < height, y % linesPerChunk == 0 else { throw corrupt("chunk for row \(y) out of range") }
                    let lines = min(linesPerChunk, height - y)
                    let expected = rowBytes * lines
                    let packed = try c.take(size)
                    if compression == 0 || size == expected {
                        block = Array(packed)  // stored raw (also when compression would not help)
                    } else {
                        block = try inflate(packed, expected: expected, path: path)
                    }
                    guard block.count == expected else { throw corrupt("chunk at row \(y) has \(block.count) bytes, expected \(expected)") }
                    let ch = channels[pick]
                    for line in 0..<lines {
                        let base = line * rowBytes + channelOffset
                        for x in 0..<width {
                            let at = base + x * ch.bytes
                            let v: Float
                            switch ch.type {
                            case 1: v = Float(Float16(bitPattern: UInt16(block[at]) | UInt16(block[at + 1]) << 8))
                            case 2:
                                v = Float(
                                    bitPattern: UInt32(block[at]) | UInt32(block[at + 1]) << 8
                                        | UInt32(block[at + 2]) << 16 | UInt32(block[at + 3]) << 24)
                            default:
                                v = Float(
                                    UInt32(block[at]) | UInt32(block[at + 1]) << 8
                                        | UInt32(block[at + 2]) << 16 | UInt32(block[at + 3]) << 24)
                            }
                            values[(y + line) * width + x] = v
                        }
                    }
                }
                return Image(width: width, height: height, channel: channels[pick].name, values: values)
            } catch is ByteReader.OutOfBounds {
                throw corrupt("truncated")
            }
        }
    }

    static func cString(_ r: inout ByteReader) throws -> String {
        var out: [UInt8] = []
        while true {
            let b = try r.u8()
            if b == 0 { return String(decoding: out, as: UTF8.self) }
            out.append(b)
            guard out.count < 256 else { throw ByteReader.OutOfBounds() }
        }
    }

    /// zlib inflate, then OpenEXR's ZIP predictor and byte de-interleaving.
    static func inflate(_ packed: UnsafeRawBufferPointer, expected: Int, path: String) throws -> [UInt8] {
        var tmp = [UInt8](repeating: 0, count: expected)
        var outLength = uLongf(expected)
        let rc = tmp.withUnsafeMutableBufferPointer { out in
            uncompress(out.baseAddress, &outLength, packed.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(packed.count))
        }
        guard rc == Z_OK, Int(outLength) == expected else {
            throw EXRError.corrupt(path: path, problem: "ZIP block does not inflate to \(expected) bytes")
        }
        for i in 1..<max(1, expected) { tmp[i] = tmp[i - 1] &+ tmp[i] &- 128 }
        var out = [UInt8](repeating: 0, count: expected)
        let half = (expected + 1) / 2
        for i in 0..<expected { out[i] = i % 2 == 0 ? tmp[i / 2] : tmp[half + i / 2] }
        return out
    }
}
