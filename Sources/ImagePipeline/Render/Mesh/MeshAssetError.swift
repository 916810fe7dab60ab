import Foundation

/// A missing or malformed body asset: one line naming the file and what to do.
public struct MeshAssetError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

extension MeshAssetError {
    /// A file of the body assets that is not there (or cannot be read).
    static func missing(_ path: String) -> MeshAssetError {
        MeshAssetError(path: path, problem: "missing or unreadable; run scripts/setup to fetch the body assets")
    }

    /// A file of the body assets that is there but not as MPFB2 ships it: `what` is wrong, and
    /// fetching the assets again is what to do.
    static func damaged(_ path: String, _ what: String) -> MeshAssetError {
        MeshAssetError(path: path, problem: "\(what); run scripts/setup again to fetch the body assets")
    }
}
