import CLZ4

/// Errors from LZ4 block (de)compression.
public enum LZ4Error: Error, CustomStringConvertible, Equatable {
    case tooLarge(Int)
    case corrupt(expectedBytes: Int)

    public var description: String {
        switch self {
        case .tooLarge(let n): return "LZ4: input of \(n) bytes exceeds the block limit of \(LZ4_MAX_INPUT_SIZE)"
        case .corrupt(let n): return "LZ4: compressed block is corrupt (expected \(n) bytes after decompression)"
        }
    }
}

/// LZ4 block compression through liblz4; the decompressed size is carried by the caller's format.
public enum LZ4Codec {
    /// Compresses `input` into a new LZ4 block.
    public static func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard input.count <= Int(LZ4_MAX_INPUT_SIZE) else { throw LZ4Error.tooLarge(input.count) }
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        var out = [UInt8](repeating: 0, count: max(bound, 1))
        let written = out.withUnsafeMutableBytes { dst -> Int32 in
            guard let src = input.baseAddress else { return 0 }
            return LZ4_compress_default(
                src.assumingMemoryBound(to: CChar.self),
                dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(input.count), Int32(bound))
        }
        out.removeLast(out.count - Int(written))
        return out
    }

    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0) }
    }

    /// Decompresses an LZ4 block that must expand to exactly `into.count` bytes.
    public static func decompress(_ input: UnsafeRawBufferPointer, into: UnsafeMutableRawBufferPointer) throws {
        if into.count == 0 && input.count <= 1 { return }
        guard let src = input.baseAddress, let dst = into.baseAddress, input.count <= Int(Int32.max) else {
            throw LZ4Error.corrupt(expectedBytes: into.count)
        }
        let n = LZ4_decompress_safe(
            src.assumingMemoryBound(to: CChar.self), dst.assumingMemoryBound(to: CChar.self),
            Int32(input.count), Int32(into.count))
        guard n == Int32(into.count) else { throw LZ4Error.corrupt(expectedBytes: into.count) }
    }

    public static func decompress(_ input: [UInt8], count: Int) throws -> [UInt8] {
        // Uninitialized: every byte is written by a block that decompresses at all.
        try [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            try input.withUnsafeBytes { src in try decompress(src, into: UnsafeMutableRawBufferPointer(out)) }
            initialized = count
        }
    }
}
