import Foundation
import TestSupport
import Testing

@testable import Dataset

@Suite struct ShardTests {
    func frames(_ n: Int) -> [ShardFrame] {
        (0..<n).map { i in
            let cw = 5 + i, ch = 3 + i % 4
            return ShardFrame(
                id: UInt64(100 + i), name: "clip-\(i)", width: 320, height: 240, cropX: 10 * i, cropY: 7,
                cropWidth: cw, cropHeight: ch, flipped: i % 2 == 1,
                depth: (0..<(cw * ch)).map { UInt16(1000 + 37 * $0 + i) },
                labels: (0..<(cw * ch)).map { UInt8(($0 + i) % 34) })
        }
    }

    func write(_ frames: [ShardFrame], _ path: String) throws {
        let writer = try ShardWriter(path: path)
        for f in frames { try writer.append(f) }
        try writer.finish()
    }

    @Test func roundTripWithRandomAccessAndNoTemporaryFiles() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.shard"
        let original = frames(7)
        try write(original, path)
        let reader = try ShardReader(path: path)
        #expect(reader.count == 7)
        #expect(try reader.frame(5) == original[5])
        #expect(try reader.frame(0) == original[0])
        #expect(try (0..<7).map { try reader.frame($0) } == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.shard"])
    }

    func expectCorrupt(_ bytes: Data, _ path: String, frame: Int?, validate: Bool = true) {
        do {
            try bytes.write(to: URL(fileURLWithPath: path))
            let reader = try ShardReader(path: path)
            if validate { try reader.validate() }
            Issue.record("corruption not detected")
        } catch let error as ShardError {
            guard case let .corrupt(p, f, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(p == path && f == frame, "\(error)")
            #expect(!"\(error)".contains("\n") && "\(error)".hasPrefix(path))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func truncatedShardIsDetectedAndNamed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/t.shard"
        try write(frames(4), path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for cut in [1, 10, bytes.count / 2, bytes.count - 20] {
            expectCorrupt(bytes.prefix(bytes.count - cut), path, frame: nil)
        }
    }

    @Test func everyFlippedBitIsDetectedAndNamesTheFrame() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/f.shard"
        let original = frames(3)
        try write(original, path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try ShardReader(path: path)
        // A bit in each frame's record names that frame; bits in the footer name the shard.
        for (i, entry) in reader.entries.enumerated() {
            for at in stride(from: entry.offset, to: entry.offset + entry.length, by: 7) {
                var bad = good
                bad[at] ^= 0x10
                expectCorrupt(bad, path, frame: i)
            }
        }
        let footerStart = reader.entries.last!.offset + reader.entries.last!.length
        for at in footerStart..<(good.count - 8) {
            var bad = good
            bad[at] ^= 0x01
            expectCorrupt(bad, path, frame: nil)
        }
    }

    @Test func missingShardIsOneLine() {
        #expect(throws: ShardError.unreadable(path: "/nonexistent/x.shard", reason: "missing or unreadable")) {
            try ShardReader(path: "/nonexistent/x.shard")
        }
    }

    @Test func crc32MatchesZlib() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        // Continued from the CRC of what came before, as shard records are checked.
        #expect(CRC32.checksum(Array("6789".utf8), initial: CRC32.checksum(Array("12345".utf8))) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }
}
