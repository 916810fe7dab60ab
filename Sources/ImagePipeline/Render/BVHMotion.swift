import Dataset
import Foundation

/// A malformed BVH file: one line naming the file, the line and what was expected.
public struct BVHError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let line: Int
    public let expected: String
    public var description: String { "\(path):\(line): malformed BVH, expected \(expected)" }
}

/// A BVH motion capture: a joint hierarchy with per-joint channel orders, and frames of channel values.
public struct BVHMotion: Sendable {
    public enum Channel: String, Sendable {
        case xPosition = "Xposition"
        case yPosition = "Yposition"
        case zPosition = "Zposition"
        case xRotation = "Xrotation"
        case yRotation = "Yrotation"
        case zRotation = "Zrotation"
    }

    public struct Joint: Sendable {
        public var name: String
        public var parent: Int?
        public var offset: SIMD3<Double>
        public var channels: [Channel]
        /// Index of this joint's first value in a frame row.
        public var firstChannel: Int
        public var isEndSite: Bool
    }

    public var joints: [Joint]
    public var frameTime: Double
    /// frames[f][c]: channel values of frame f.
    public var frames: [[Double]]
    public var source: String

    /// Parses BVH text (CRLF or LF lines, any whitespace).
    public init(text: String, source: String) throws {
        self.source = source
        var tokens: [(String, Int)] = []
        var lineNumber = 1
        // "\r\n" is one Character in Swift: split on isNewline, not on "\n".
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
            for word in line.split(whereSeparator: { $0.isWhitespace }) {
                tokens.append((String(word), lineNumber))
            }
            lineNumber += 1
        }
        var i = 0
        func fail(_ expected: String) -> BVHError {
            BVHError(path: source, line: i < tokens.count ? tokens[i].1 : lineNumber - 1, expected: expected)
        }
        func next(_ expected: String) throws -> String {
            guard i < tokens.count else { throw fail(expected) }
            defer { i += 1 }
            return tokens[i].0
        }
        func expect(_ word: String) throws {
            guard i < tokens.count, tokens[i].0 == word else { throw fail("\"\(word)\"") }
            i += 1
        }
        func number(_ what: String) throws -> Double {
            guard i < tokens.count, let v = Double(tokens[i].0), v.isFinite else { throw fail(what) }
            i += 1
            return v
        }
        try expect("HIERARCHY")
        var joints: [Joint] = []
        var stack: [Int] = []
        var channelCount = 0
        guard try next("ROOT") == "ROOT" else {
            i -= 1
            throw fail("\"ROOT\"")
        }
        var pendingName: String? = try next("a root joint name")
        var pendingEnd = false
        while true {
            if let name = pendingName {
                try expect("{")
                try expect("OFFSET")
                let offset = SIMD3(try number("an OFFSET x"), try number("an OFFSET y"), try number("an OFFSET z"))
                var channels: [Channel] = []
                if !pendingEnd {
                    try expect("CHANNELS")
                    let v = try number("a channel count")
                    guard (0...6).contains(v), v.rounded() == v else {
                        i -= 1
                        throw fail("a channel count of 0 to 6")
                    }
                    let n = Int(v)
                    for _ in 0..<n {
                        guard let c = Channel(rawValue: try next("a channel name")) else {
                            i -= 1
                            throw fail("a channel name (Xposition ... Zrotation)")
                        }
                        channels.append(c)
                    }
                }
                joints.append(
                    Joint(
                        name: name, parent: stack.last, offset: offset, channels: channels,
                        firstChannel: channelCount, isEndSite: pendingEnd))
                channelCount += channels.count
                stack.append(joints.count - 1)
                pendingName = nil
                pendingEnd = false
            }
            let word = try next("JOINT, End Site or \"}\"")
            switch word {
            case "JOINT":
                pendingName = try next("a joint name")
            case "End":
                try expect("Site")
                pendingName = joints[stack.last!].name + "_end"
                pendingEnd = true
            case "}":
                stack.removeLast()
                if stack.isEmpty { break }
                continue
            default:
                i -= 1
                throw fail("JOINT, End Site or \"}\"")
            }
            if stack.isEmpty { break }
        }
        try expect("MOTION")
        try expect("Frames:")
        let declared = try number("a frame count")
        // Every frame takes at least one number: a count over the numbers left in the file is
        // refused before anything is allocated for it (a file merely cut short fails below, at
        // the frame where it ends).
        let available = tokens.count - i
        guard declared >= 0, declared.rounded() == declared, declared <= Double(available) else {
            i -= 1
            throw fail("a frame count of 0 to \(available) (the numbers left in the file)")
        }
        let count = Int(declared)
        try expect("Frame")
        try expect("Time:")
        frameTime = try number("a frame time")
        var frames: [[Double]] = []
        frames.reserveCapacity(count)
        for f in 0..<count {
            var row = [Double](repeating: 0, count: channelCount)
            for c in 0..<channelCount { row[c] = try number("\(channelCount) channel values for frame \(f)") }
            frames.append(row)
        }
        self.joints = joints
        self.frames = frames
    }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BVHError(path: path, line: 0, expected: "a readable file (missing or unreadable)")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), source: path)
    }

    public func index(of name: String) -> Int? { joints.firstIndex { $0.name == name } }

    /// World positions of every joint (and end site) at frame `f`, in file units.
    public func positions(frame f: Int) -> [SIMD3<Double>] { transforms(row: frames[f]).positions }

    /// World positions and rotations of every joint for one row of channel values (all zeros: the
    /// rest pose the OFFSETs describe).
    public func transforms(row: [Double]) -> (positions: [SIMD3<Double>], rotations: [Matrix3]) {
        var rotations = [Matrix3](repeating: .identity, count: joints.count)
        var positions = [SIMD3<Double>](repeating: .zero, count: joints.count)
        for (j, joint) in joints.enumerated() {
            var translation = joint.offset
            var local = Matrix3.identity
            for (k, channel) in joint.channels.enumerated() {
                let v = row[joint.firstChannel + k]
                switch channel {
                case .xPosition: translation.x += v
                case .yPosition: translation.y += v
                case .zPosition: translation.z += v
                case .xRotation: local = local * Matrix3.rotation(axis: 0, degrees: v)
                case .yRotation: local = local * Matrix3.rotation(axis: 1, degrees: v)
                case .zRotation: local = local * Matrix3.rotation(axis: 2, degrees: v)
                }
            }
            if let p = joint.parent {
                positions[j] = positions[p] + rotations[p] * translation
                rotations[j] = rotations[p] * local
            } else {
                positions[j] = translation
                rotations[j] = local
            }
        }
        return (positions, rotations)
    }

    /// The root's rotation at frame `f` applied to +Z (the rest pose's facing).
    public func facing(frame f: Int) -> SIMD3<Double> {
        var local = Matrix3.identity
        let root = joints[0]
        for (k, channel) in root.channels.enumerated() {
            let v = frames[f][root.firstChannel + k]
            switch channel {
            case .xRotation: local = local * Matrix3.rotation(axis: 0, degrees: v)
            case .yRotation: local = local * Matrix3.rotation(axis: 1, degrees: v)
            case .zRotation: local = local * Matrix3.rotation(axis: 2, degrees: v)
            default: break
            }
        }
        return local * SIMD3(0, 0, 1)
    }
}
