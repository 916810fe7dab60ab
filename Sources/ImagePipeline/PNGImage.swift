import CPNGShim
import Dataset
import Foundation
import RDTCore

/// Errors reading or writing PNG files; each prints as one line naming the file.
public enum PNGError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case wrongFormat(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read PNG (\(reason)); check the file is a complete PNG"
        case let .unwritable(path, reason):
            return "\(path): cannot write PNG (\(reason)); check the folder exists and is writable"
        case let .wrongFormat(path, expected, found):
            return "\(path): expected a \(expected) PNG, found \(found)"
        }
    }
}

/// A decoded PNG: interleaved samples, 8 or 16 bits each.
public struct PNGImage: Sendable, Equatable {
    public enum Samples: Sendable, Equatable {
        case u8([UInt8])
        case u16([UInt16])
    }
    public var width: Int
    public var height: Int
    public var channels: Int
    public var samples: Samples
    /// RGB triples: written as a palette PNG whose 8-bit pixels are indices into it.
    public var palette: [UInt8]?

    public init(width: Int, height: Int, channels: Int, samples: Samples, palette: [UInt8]? = nil) {
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
        self.palette = palette
    }

    /// Reads a PNG file through libpng. Palette images are expanded to RGB, or with `paletteIndices`
    /// read as their 8-bit palette indices (glimpse's palettized label images store labels that way).
    public static func read(_ path: String, paletteIndices: Bool = false) throws -> PNGImage {
        var image = canopy_png_image()
        var err = [CChar](repeating: 0, count: 256)
        if canopy_png_read(path, &image, paletteIndices ? 1 : 0, &err, err.count) != 0 {
            throw PNGError.unreadable(path: path, reason: String(cString: err))
        }
        defer { canopy_png_free(&image) }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        let samples: Samples
        if image.bit_depth == 16 {
            let p = image.pixels.assumingMemoryBound(to: UInt16.self)
            samples = .u16(Array(UnsafeBufferPointer(start: p, count: count)))
        } else {
            let p = image.pixels.assumingMemoryBound(to: UInt8.self)
            samples = .u8(Array(UnsafeBufferPointer(start: p, count: count)))
        }
        return PNGImage(
            width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
            samples: samples)
    }

    /// Writes the image through libpng to a temporary name, then renames it into place.
    /// `level` is zlib's compression level (1 is fast, 9 small).
    public func write(_ path: String, level: Int = 1) throws {
        let tmp = AtomicFile.temporaryName(path)
        var err = [CChar](repeating: 0, count: 256)
        let status: Int32
        switch samples {
        case .u8(let values):
            status = values.withUnsafeBytes { raw in
                var image = canopy_png_image(
                    width: UInt32(width), height: UInt32(height), bit_depth: 8,
                    channels: UInt32(channels),
                    pixels: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                return (palette ?? []).withUnsafeBufferPointer { pal in
                    canopy_png_write(
                        tmp, &image, Int32(level), palette == nil ? nil : pal.baseAddress, Int32(pal.count / 3),
                        &err, err.count)
                }
            }
        case .u16(let values):
            status = values.withUnsafeBytes { raw in
                var image = canopy_png_image(
                    width: UInt32(width), height: UInt32(height), bit_depth: 16,
                    channels: UInt32(channels),
                    pixels: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                return (palette ?? []).withUnsafeBufferPointer { pal in
                    canopy_png_write(
                        tmp, &image, Int32(level), palette == nil ? nil : pal.baseAddress, Int32(pal.count / 3),
                        &err, err.count)
                }
            }
        }
        if status != 0 {
            unlink(tmp)
            throw PNGError.unwritable(path: path, reason: String(cString: err))
        }
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PNGError.unwritable(path: path, reason: reason)
        }
    }

    /// A 16-bit single-channel image's samples (depth in millimetres), or a format error naming `path`.
    public func grey16(path: String) throws -> [UInt16] {
        guard channels == 1, case .u16(let v) = samples else {
            throw PNGError.wrongFormat(path: path, expected: "16-bit grey", found: formatName)
        }
        return v
    }

    /// An 8-bit image's first channel (label values), or a format error naming `path`.
    public func grey8(path: String) throws -> [UInt8] {
        guard case .u8(let v) = samples else {
            throw PNGError.wrongFormat(path: path, expected: "8-bit", found: formatName)
        }
        if channels == 1 { return v }
        var out = [UInt8](repeating: 0, count: width * height)
        for i in 0..<out.count { out[i] = v[i * channels] }
        return out
    }

    var formatName: String {
        let bits: Int
        switch samples {
        case .u8: bits = 8
        case .u16: bits = 16
        }
        return "\(bits)-bit \(channels)-channel"
    }
}
