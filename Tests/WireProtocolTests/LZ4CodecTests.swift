import Testing
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
