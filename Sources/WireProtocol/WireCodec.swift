import BlockCompression
import Foundation
import RDTCore
import SwiftProtobuf

/// A message on the wire: the envelope and its bulk frames.
public struct WireMessage {
    public var envelope: Canopy_Wire_Envelope
    public var bulk: [[UInt8]]

    public init(_ envelope: Canopy_Wire_Envelope, bulk: [[UInt8]] = []) {
        self.envelope = envelope
        self.bulk = bulk
    }

    /// The envelope's kind, for logs ("hello", "histograms", ...).
    public var kind: String {
        guard let body = envelope.body else { return "empty" }
        return String(describing: body).split(separator: "(").first.map(String.init) ?? "?"
    }
}

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
    static func compact<C: FixedWidthInteger & UnsignedInteger>(_ counts: UnsafeBufferPointer<C>, labels: Int,
                                                               present: [Int]) throws -> [UInt8] {
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
    public static func add(_ frame: [UInt8], info: Canopy_Wire_NodeCountsInfo, labels: Int,
                           into acc: UnsafeMutableBufferPointer<UInt32>) throws {
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

extension ZMQSocket {
    /// Sends a message, with a ROUTER identity frame first where given.
    public func send(_ message: WireMessage, to identity: [UInt8]? = nil, version: UInt16 = WireCodec.version,
                     dontWait: Bool = false) throws {
        var frames = try WireCodec.encode(message, version: version)
        if let identity { frames.insert(identity, at: 0) }
        try send(frames, dontWait: dontWait)
    }
}

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
            func get(_ i: Int, _ k: Int) -> UInt32 { UInt32(littleEndian: r.loadUnaligned(fromByteOffset: i * recordBytes + 4 * k, as: UInt32.self)) }
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
                records.append(Record(node: UInt32(node), leaf: word & 0x8000_0000 != 0, uv: uv,
                                      thresholdMM: Int32(bitPattern: get(i, 5))))
            }
        }
        return records
    }
}
