import ArgumentParser
import CSupport
import Foundation
import RDTCore

@main
struct Canopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canopy",
        abstract: "Train randomized decision forests that label depth pixels with body parts, on a cluster.",
        version: "canopy " + CanopyVersion.description,
        subcommands: [
            Render.self, Preprocess.self, ImportGlimpse.self, Index.self, Train.self, CoordinatorCommand.self, WorkerCommand.self,
            Status.self, Fetch.self, Eval.self, Infer.self, Export.self, TrainJoints.self, Bench.self, Keys.self,
            Cluster.self, Report.self, Show.self,
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
