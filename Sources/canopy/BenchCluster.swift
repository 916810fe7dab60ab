import Coordinator
import Foundation
import ImagePipeline
import RDTCore
import Training

/// What the training benchmarks share: a synthetic dataset and job, and a coordinator in this
/// process with worker processes on this machine, CURVE on as `canopy train` has it.
enum BenchCluster {
    /// A synthetic dataset of `frames` 320x240 frames in `dir`/data and a job on it.
    static func job(
        in dir: String, frames: Int, trees: Int, pixels: Int, candidates: Int, thresholds: Int, depth: Int, labelMap: String,
        name: String
    ) throws -> TrainingJob {
        try SyntheticDataset.make(in: dir, frames: frames, trees: trees, labelMap: labelMap)
        var params = TrainingParameters()
        params.nPixels = pixels
        params.nUVs = candidates
        params.nThresholds = thresholds
        params.maxDepth = depth
        return TrainingJob(name: name, parameters: params, trees: trees)
    }

    /// Trains `job` with a coordinator here and `workers` worker processes (the cores shared among
    /// them); returns the coordinator (its job's record) and each worker's output.
    static func run(
        _ job: TrainingJob, data: String, out: String, workers: Int, prefetch: Int = 2, reduction: Reduction
    ) throws -> (coordinator: TrainingCoordinator, outputs: [String], started: Date) {
        var options = TrainingCoordinator.Options(bind: "tcp://127.0.0.1:*", outputRoot: out)
        options.minWorkers = workers
        options.prefetchDepth = max(1, prefetch)
        options.reduceOnWorkers = reduction == .workers
        let keys = try EphemeralKeys()  // as `canopy train` does, so CURVE's cost is measured too
        defer { keys.remove() }
        options.security = keys.server
        let coordinator = try TrainingCoordinator(options: options, jobs: [(job, data)])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let children = try WorkerProcesses(
            count: workers,
            arguments: ["--coordinator", coordinator.endpoint, "--threads", String(max(1, cores / workers)), "--die-with-parent"]
                + keys.workerArguments,
            output: .keep)
        defer { children.stop() }
        coordinator.abortReason = { children.allExitedReason }
        let started = Date()
        try coordinator.run()
        let outputs = children.output()
        children.stop()
        guard let record = coordinator.jobs.first, record.state == .finished, record.report != nil else {
            throw CommandFailure("the run with \(workers) workers failed: \(coordinator.jobs.first?.error ?? "?")")
        }
        return (coordinator, outputs, started)
    }
}
