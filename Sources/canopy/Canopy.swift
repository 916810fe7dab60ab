import ArgumentParser
import CSupport
import Foundation

@main
struct Canopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canopy",
        abstract: "Train randomized decision forests that label depth pixels with body parts, on a cluster.",
        subcommands: [
            Render.self, Preprocess.self, ImportGlimpse.self, Index.self, Train.self, CoordinatorCommand.self, WorkerCommand.self,
            Status.self, Fetch.self, Eval.self, Infer.self, Export.self, TrainJoints.self, Bench.self, Keys.self,
            Cluster.self,
        ])

    static func main() {
        // A parent (a test runner, a Slurm step) may have blocked signals such as SIGTERM in the mask
        // children inherit; canopy must stop when told to, so it starts with nothing blocked.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_UNBLOCK, &all, nil)
        // Histograms are allocated and freed by the megabyte at every node batch. glibc serves such
        // blocks with mmap by default, so each one costs fresh zeroed pages; keeping them on the heap
        // lets freed blocks be reused (measured with `canopy bench train`, docs/performance.md).
        canopy_keep_large_blocks(1 << 30)
        Self.main(nil)
    }
}

/// Thrown by a subcommand that is not built yet: prints one line and exits non-zero.
struct NotBuiltYet: Error, CustomStringConvertible {
    let command: String
    var description: String { "canopy \(command): not built yet in this version of Canopy" }
}

/// A subcommand that exists in the design but not yet in code; it accepts any arguments and says so.
protocol PendingCommand: ParsableCommand {
    var rest: [String] { get }
}

extension PendingCommand {
    func run() throws {
        throw NotBuiltYet(command: Self._commandName)
    }
}




struct TrainJoints: PendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-joints", abstract: "Fit joint inference parameters (not built yet).")
    @Argument(parsing: .allUnrecognized) var rest: [String] = []
}


/// A command that could not do its job: printed as one line, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
