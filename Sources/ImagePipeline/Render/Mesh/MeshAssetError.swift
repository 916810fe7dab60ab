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
