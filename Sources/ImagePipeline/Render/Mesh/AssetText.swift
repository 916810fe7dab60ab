import CZlib
import Foundation
import RDTCore

/// Reading the body assets' text files: whole files, gzip files through zlib, and a scanner over
/// whitespace-separated numbers that allocates nothing per value.
enum AssetText {
    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MeshAssetError.missing(path)
        }
        return [UInt8](data)
    }

    /// A JSON file of the assets, parsed; `what` names what it should be ("a rig") when it does not parse.
    static func json(_ path: String, what: String) throws -> JSON {
        let bytes = try read(path)
        do { return try JSON.parse(bytes) } catch { throw MeshAssetError.damaged(path, "not \(what) (\(error))") }
    }

    /// A gzip file's bytes (zlib's gzip reader).
    static func gunzip(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw MeshAssetError.missing(path)
        }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw MeshAssetError.damaged(path, "corrupt gzip data") }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        return out
    }

    /// Lines of `bytes` (LF or CRLF), as byte ranges without the line end.
    static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        for i in bytes.indices where bytes[i] == 10 {
            result.append(start..<(i > start && bytes[i - 1] == 13 ? i - 1 : i))
            start = i + 1
        }
        if start < bytes.count { result.append(start..<bytes.count) }
        return result
    }

    /// Whitespace-separated words of one line.
    static func words(_ bytes: [UInt8], _ line: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = line.lowerBound
        while i < line.upperBound {
            while i < line.upperBound && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
            let s = i
            while i < line.upperBound && bytes[i] != 32 && bytes[i] != 9 { i += 1 }
            if i > s { result.append(s..<i) }
        }
        return result
    }

    /// A decimal number ("-.016", "7.3299", "1e-3"), or nil.
    static func double(_ bytes: [UInt8], _ word: Range<Int>) -> Double? {
        var i = word.lowerBound
        var sign = 1.0
        if i < word.upperBound && (bytes[i] == 45 || bytes[i] == 43) {
            if bytes[i] == 45 { sign = -1 }
            i += 1
        }
        var value = 0.0, digits = 0
        while i < word.upperBound, bytes[i] >= 48, bytes[i] <= 57 {
            value = value * 10 + Double(bytes[i] - 48)
            i += 1
            digits += 1
        }
        if i < word.upperBound && bytes[i] == 46 {
            i += 1
            var scale = 0.1
            while i < word.upperBound, bytes[i] >= 48, bytes[i] <= 57 {
                value += Double(bytes[i] - 48) * scale
                scale *= 0.1
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < word.upperBound && (bytes[i] == 101 || bytes[i] == 69) {
            guard let e = Int(String(decoding: bytes[(i + 1)..<word.upperBound], as: UTF8.self)) else { return nil }
            value *= pow(10, Double(e))
            i = word.upperBound
        }
        return i == word.upperBound ? sign * value : nil
    }

    /// A non-negative integer, or nil.
    static func int(_ bytes: [UInt8], _ word: Range<Int>) -> Int? {
        guard !word.isEmpty else { return nil }
        var value = 0
        for i in word {
            guard bytes[i] >= 48, bytes[i] <= 57 else { return nil }
            value = value * 10 + Int(bytes[i] - 48)
            if value > Int(Int32.max) { return nil }
        }
        return value
    }
}
