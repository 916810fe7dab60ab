import RDTCore

/// A level's counts are incomplete (a worker holding pixels was lost): the level starts over from
/// the state before it, once the source is prepared again.
public struct LevelInterrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the level was interrupted" }
}
