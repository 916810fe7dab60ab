/// A key of a user's JSON file that Canopy will not take; one line naming the file and the key.
public enum InputKeyError: Error, CustomStringConvertible, Equatable {
    case unknown(path: String, what: String, key: String, suggestion: String?)
    case unsupported(path: String, what: String, key: String, why: String)
    case notAnObject(path: String, what: String)

    public var description: String {
        switch self {
        case let .unknown(path, what, key, suggestion?):
            return "\(path): unknown key \"\(key)\" in the \(what); did you mean \"\(suggestion)\"?"
        case let .unknown(path, what, key, nil):
            return "\(path): unknown key \"\(key)\" in the \(what); docs/formats.md lists the keys Canopy reads"
        case let .unsupported(path, what, key, why):
            return "\(path): \"\(key)\" in the \(what) is not supported by Canopy: \(why)"
        case let .notAnObject(path, what): return "\(path): the \(what) must be a JSON object"
        }
    }
}

/// The keys of one JSON object of a user's file, checked strictly: every key must be one the
/// reader knows, one glimpse defines that docs/formats.md lists as harmless (accepted, no effect),
/// or it is refused, naming the nearest known key or why Canopy does not do what it asks.
public struct InputKeys {
    /// Keys read.
    public var known: Set<String>
    /// Keys accepted without effect (listed in docs/formats.md).
    public var harmless: Set<String> = []
    /// Keys glimpse defines that Canopy refuses, with the reason and what to do.
    public var unsupported: [String: String] = [:]

    public init(_ known: Set<String>, harmless: Set<String> = [], unsupported: [String: String] = [:]) {
        self.known = known
        self.harmless = harmless
        self.unsupported = unsupported
    }

    /// Checks `json`'s keys (`what` names it in the error: "training job", "camera", ...).
    public func check(_ json: JSON, path: String, what: String) throws {
        guard let members = json.objectValue else { throw InputKeyError.notAnObject(path: path, what: what) }
        for (key, _) in members where !known.contains(key) && !harmless.contains(key) {
            if let why = unsupported[key] { throw InputKeyError.unsupported(path: path, what: what, key: key, why: why) }
            throw InputKeyError.unknown(path: path, what: what, key: key, suggestion: nearest(key))
        }
    }

    /// The known key closest to `key` by edit distance, if it is close enough to be a typo.
    func nearest(_ key: String) -> String? {
        let best = known.map { ($0, Self.distance(key, $0)) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let (candidate, d) = best, d <= max(2, min(key.count, candidate.count) / 3) else { return nil }
        return candidate
    }

    /// Levenshtein distance (insertions, deletions, substitutions).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
