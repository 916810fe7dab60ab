/// A report that cannot be made, as one line naming the file and what to do.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
