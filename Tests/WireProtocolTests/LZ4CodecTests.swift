import TestSupport
import Testing
import WireProtocol

@testable import BlockCompression

@Suite struct LZ4CodecTests {
    @Test func roundTripCompressesRedundantData() throws {
        var input = [UInt8](repeating: 0, count: 100_000)
        for i in 0..<input.count { input[i] = UInt8((i / 100) & 0xff) }
        let packed = try LZ4Codec.compress(input)
        #expect(packed.count < input.count / 10)
        #expect(try LZ4Codec.decompress(packed, count: input.count) == input)
    }

    @Test func randomDataRoundTrips() throws {
        var state: UInt64 = 42
        let input = (0..<5000).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        #expect(try LZ4Codec.decompress(LZ4Codec.compress(input), count: input.count) == input)
    }

    @Test func corruptBlockOrWrongSizeIsDetected() throws {
        let input = [UInt8](repeating: 9, count: 1000)
        var packed = try LZ4Codec.compress(input)
        #expect(throws: LZ4Error.self) { try LZ4Codec.decompress(packed, count: 999) }
        packed.removeLast(packed.count / 2)
        #expect(throws: LZ4Error.self) { try LZ4Codec.decompress(packed, count: 1000) }
    }
}

struct RouteWireTests {
    @Test func routesRoundTripAndRefuseDisorder() throws {
        let records = [
            RouteWire.Record(node: 0, leaf: false, uv: SIMD4(1.5, -2, 0.25, 8), thresholdMM: -37),
            RouteWire.Record(node: 1, leaf: true),
            RouteWire.Record(node: 6, leaf: false, uv: SIMD4(0, 0, 3, 4), thresholdMM: 250),
        ]
        let frame = try RouteWire.pack(records)
        #expect(try RouteWire.unpack(frame, count: 3, maxNode: 7) == records)
        #expect(throws: WireError.self) { try RouteWire.unpack(frame, count: 3, maxNode: 6) }
        #expect(throws: WireError.self) { try RouteWire.unpack(frame, count: 2, maxNode: 7) }
        let backwards = try RouteWire.pack([records[2], records[0]])
        #expect(throws: WireError.self) { try RouteWire.unpack(backwards, count: 2, maxNode: 7) }
    }
}

struct DecoderFuzzTests {
    /// 100,000 hostile messages through every decoding step a coordinator or worker takes:
    /// nothing traps, and both outcomes occur (so the mutator does reach the decoder's checks).
    @Test func hostileMessagesNeverCrashTheDecoders() {
        var mutator = MessageMutator(seed: 7)
        var decoded = 0, refused = 0, histogramsAdded = 0
        var acc = [UInt32](repeating: 0, count: 64 * 4)
        for _ in 0..<100_000 {
            let frames = mutator.next()
            guard let message = try? WireCodec.decode(frames[...]) else {
                refused += 1
                continue
            }
            decoded += 1
            switch message.envelope.body {
            case .histograms(let h):
                for (info, frame) in zip(h.nodes, message.bulk) {
                    acc.withUnsafeMutableBufferPointer { a in
                        if (try? HistogramWire.add(frame, info: info, labels: 4, into: a)) != nil { histogramsAdded += 1 }
                    }
                }
            case .assign(let a):
                for (info, frame) in zip(a.route, message.bulk) { _ = try? RouteWire.unpack(frame, count: Int(info.decisions), maxNode: 7) }
            default:
                break
            }
        }
        #expect(decoded > 10_000 && refused > 10_000, "decoded \(decoded), refused \(refused)")
        #expect(histogramsAdded > 0)
    }
}
