import BlockCompression
import Foundation
import RDTCore
import SwiftProtobuf

/// Histogram counts on the wire: per node, the counts of the labels present among the sender's
/// pixels only ([candidate][bin][k] for labels[k]), as little-endian u16 or u32 in one LZ4 block.
public enum HistogramWire {
    /// Compacts a node's full counts ([candidate][bin][label], `labels` per row) to the present
    /// labels and compresses them.
    public static func pack(_ counts: UnsafeBufferPointer<UInt16>, labels: Int, present: [Int]) throws -> [UInt8] {
        try compact(counts, labels: labels, present: present)
    }

    public static func pack(_ counts: UnsafeBufferPointer<UInt32>, labels: Int, present: [Int]) throws -> [UInt8] {
        try compact(counts, labels: labels, present: present)
    }

    @inline(__always)
    static func compact<C: FixedWidthInteger & UnsignedInteger>(
        _ counts: UnsafeBufferPointer<C>, labels: Int,
        present: [Int]
    ) throws -> [UInt8] {
        let rows = counts.count / labels
        let p = present.count
        var compact = [C](repeating: 0, count: rows * p)
        compact.withUnsafeMutableBufferPointer { out in
            present.withUnsafeBufferPointer { labelOf in
                for r in 0..<rows {
                    let src = counts.baseAddress! + r * labels
                    for k in 0..<p { out[r * p + k] = src[labelOf[k]].littleEndian }
                }
            }
        }
        return try compact.withUnsafeBytes { try LZ4Codec.compress($0) }
    }

    /// Adds one node's received counts into `acc` (UInt32, [candidate][bin][label] with `labels`
    /// per row), checking every size and label first.
    public static func add(
        _ frame: [UInt8], info: Canopy_Wire_NodeCountsInfo, labels: Int,
        into acc: UnsafeMutableBufferPointer<UInt32>
    ) throws {
        let present = info.labels.map(Int.init)
        guard !present.isEmpty, zip(present, present.dropFirst()).allSatisfy({ $0 < $1 }), present.last! < labels else {
            throw WireError.malformed("histogram label list \(info.labels) for \(labels) labels")
        }
        let rows = acc.count / labels
        let width = info.narrow ? 2 : 4
        guard Int(info.rawBytes) == rows * present.count * width else {
            throw WireError.malformed("histogram of \(info.rawBytes) bytes, expected \(rows * present.count * width)")
        }
        var raw = [UInt8](repeating: 0, count: Int(info.rawBytes))
        do {
            try frame.withUnsafeBytes { src in try raw.withUnsafeMutableBytes { try LZ4Codec.decompress(src, into: $0) } }
        } catch {
            throw WireError.malformed("histogram frame does not decompress to \(info.rawBytes) bytes")
        }
        let p = present.count
        raw.withUnsafeBytes { r in
            present.withUnsafeBufferPointer { labelOf in
                if info.narrow {
                    let c = r.bindMemory(to: UInt16.self)
                    for row in 0..<rows {
                        let dst = acc.baseAddress! + row * labels
                        for k in 0..<p { dst[labelOf[k]] &+= UInt32(UInt16(littleEndian: c[row * p + k])) }
                    }
                } else {
                    let c = r.bindMemory(to: UInt32.self)
                    for row in 0..<rows {
                        let dst = acc.baseAddress! + row * labels
                        for k in 0..<p { dst[labelOf[k]] &+= UInt32(littleEndian: c[row * p + k]) }
                    }
                }
            }
        }
    }
}
