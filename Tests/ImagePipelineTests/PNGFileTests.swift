import Foundation
import TestSupport
import Testing

@testable import Dataset
@testable import ImagePipeline

@Suite struct PNGFileTests {
    @Test func sixteenBitGreyRoundTripsThroughLibpng() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/depth.png"
        let w = 37, h = 23
        let values = (0..<(w * h)).map { UInt16(truncatingIfNeeded: $0 * 2654435761 >> 7) }
        try PNGImage(width: w, height: h, channels: 1, samples: .u16(values)).write(path)
        let back = try PNGImage.read(path)
        #expect(back.width == w && back.height == h && back.channels == 1)
        #expect(try back.grey16(path: path) == values)
        // The bytes on disk are a real PNG: signature, then an IHDR with bit depth 16, colour type 0.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(bytes[24] == 16 && bytes[25] == 0)
    }

    @Test func eightBitRGBRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/rgb.png"
        let values = (0..<(5 * 4 * 3)).map { UInt8($0 * 4) }
        try PNGImage(width: 5, height: 4, channels: 3, samples: .u8(values)).write(path, level: 9)
        let back = try PNGImage.read(path)
        #expect(back == PNGImage(width: 5, height: 4, channels: 3, samples: .u8(values)))
        #expect(try back.grey8(path: path) == stride(from: 0, to: values.count, by: 3).map { values[$0] })
    }

    @Test func truncatedAndMissingFilesFailWithOneLineNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/cut.png"
        try PNGImage(width: 64, height: 64, channels: 1, samples: .u16([UInt16](repeating: 7, count: 4096)))
            .write(path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: PNGError.self) { try PNGImage.read(path) }
        do {
            _ = try PNGImage.read(path)
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix(path) && !text.contains("\n"))
        }
        #expect(throws: PNGError.self) { try PNGImage.read(dir.path + "/missing.png") }
        #expect(throws: PNGError.self) { try PNGImage.read(dir.path + "/missing.png").grey16(path: "x") }
    }

    /// An image over the documented limit is refused from its header, before anything is
    /// allocated for its pixels: a few bytes cannot make a command allocate gigabytes.
    @Test func imagesOverThePixelLimitAreRefusedFromTheHeader() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/huge.png"
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = CRC32.checksum(body)
            return be(UInt32(data.count)) + body + be(crc)
        }
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        // 16000 x 16000, 16-bit grey: signature, IHDR, a 2-byte IDAT, IEND (next to no pixel data).
        let ihdr = be(16000) + be(16000) + [16, 0, 0, 0, 0]
        let bytes =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", [0x78, 0x9C]) + chunk("IEND", [])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try PNGImage.read(path)
            Issue.record("a 16000x16000 image was read")
        } catch {
            #expect("\(error)".hasPrefix(path) && "\(error)".contains("16000x16000") && "\(error)".contains("limit"), "\(error)")
        }
    }

    @Test func wrongFormatIsNamed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/labels.png"
        try PNGImage(width: 2, height: 2, channels: 1, samples: .u8([1, 2, 3, 4])).write(path)
        let image = try PNGImage.read(path)
        #expect(throws: PNGError.wrongFormat(path: path, expected: "16-bit grey", found: "8-bit 1-channel")) {
            try image.grey16(path: path)
        }
    }
}

struct PalettePNGTests {
    @Test func paletteImagesKeepIndicesAndShowColours() throws {
        let dir = NSTemporaryDirectory() + "canopy-palette-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let indices: [UInt8] = [0, 1, 2, 3, 3, 2]
        let palette: [UInt8] = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]
        try PNGImage(width: 3, height: 2, channels: 1, samples: .u8(indices), palette: palette).write(dir + "/p.png")
        #expect(try PNGImage.read(dir + "/p.png", paletteIndices: true).grey8(path: "p") == indices)
        let shown = try PNGImage.read(dir + "/p.png")
        #expect(shown.channels == 3 && shown.samples == .u8(indices.flatMap { Array(palette[(3 * Int($0))..<(3 * Int($0) + 3)]) }))
        // A palette needs 8-bit single-channel pixels.
        #expect(throws: PNGError.self) {
            try PNGImage(width: 1, height: 1, channels: 3, samples: .u8([1, 2, 3]), palette: palette).write(dir + "/bad.png")
        }
    }
}
