import Dataset
import Foundation
import RDTCore
import Training
import WireProtocol

/// A job failed; the message names the cause (a worker's error, bad data).
public struct JobFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
