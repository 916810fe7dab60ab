import ArgumentParser
import CSupport
import Foundation

/// A command that could not do its job: printed as one line, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
