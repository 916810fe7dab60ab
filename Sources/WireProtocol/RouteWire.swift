import BlockCompression
import Foundation
import RDTCore
import SwiftProtobuf

/// A partial tree on the wire (AssignShards.route): per decided node, 24 little-endian bytes:
/// u32 node (bit 31 set for a leaf), f32 u.x, u.y, v.x, v.y, i32 threshold (mm); nodes ascending;
/// the records in one LZ4 block.
public enum RouteWire {
    public struct Record: Equatable {
        public var node: UInt32
        public var leaf: Bool
        public var uv: SIMD4<Float>
        public var thresholdMM: Int32

        public init(node: UInt32, leaf: Bool, uv: SIMD4<Float> = .zero, thresholdMM: Int32 = 0) {
            self.node = node
            self.leaf = leaf
            self.uv = uv
            self.thresholdMM = thresholdMM
        }
    }

    static let recordBytes = 24

    public static func pack(_ records: [Record]) throws -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity(records.count * recordBytes)
        func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { raw += $0 } }
        for r in records {
            put(r.node | (r.leaf ? 0x8000_0000 : 0))
            for k in 0..<4 { put(r.uv[k].bitPattern) }
            put(UInt32(bitPattern: r.thresholdMM))
        }
        return try raw.withUnsafeBytes { try LZ4Codec.compress($0) }
    }

    /// Unpacks `count` records, checking nodes ascend below `maxNode` and offsets are finite.
    public static func unpack(_ frame: [UInt8], count: Int, maxNode: Int) throws -> [Record] {
        guard count >= 0, count <= maxNode else { throw WireError.malformed("route of \(count) decisions for \(maxNode) nodes") }
        var raw = [UInt8](repeating: 0, count: count * recordBytes)
        do {
            try frame.withUnsafeBytes { src in try raw.withUnsafeMutableBytes { try LZ4Codec.decompress(src, into: $0) } }
        } catch {
            throw WireError.malformed("route frame does not decompress to \(count) decisions")
        }
        var records: [Record] = []
        records.reserveCapacity(count)
        try raw.withUnsafeBytes { r in
            func get(_ i: Int, _ k: Int) -> UInt32 {
                UInt32(littleEndian: r.loadUnaligned(fromByteOffset: i * recordBytes + 4 * k, as: UInt32.self))
            }
            var last = -1
            for i in 0..<count {
                let word = get(i, 0)
                let node = Int(word & 0x7fff_ffff)
                guard node > last, node < maxNode else { throw WireError.malformed("route node \(node) out of order or range") }
                last = node
                let uv = SIMD4((1...4).map { Float(bitPattern: get(i, $0)) })
                guard Candidates.isValidOffset(uv) else {
                    throw WireError.malformed("route node \(node) has an invalid offset")
                }
                records.append(
                    Record(
                        node: UInt32(node), leaf: word & 0x8000_0000 != 0, uv: uv,
                        thresholdMM: Int32(bitPattern: get(i, 5))))
            }
        }
        return records
    }
}
