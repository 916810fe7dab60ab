import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore

/// Array-task position: explicit options, else Slurm's array variables, else a single task.
struct TaskSplit: ParsableArguments {
    @Option(help: "This task's index, 0-based (default: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN).")
    var taskId: Int?
    @Option(help: "Number of tasks (default: SLURM_ARRAY_TASK_COUNT, else 1).")
    var taskCount: Int?

    func resolve() throws -> (id: Int, count: Int) {
        let env = ProcessInfo.processInfo.environment
        let count =
            try taskCount ?? env["SLURM_ARRAY_TASK_COUNT"].map { v in
                guard let n = Int(v) else { throw ValidationError("SLURM_ARRAY_TASK_COUNT=\(v) is not a number") }
                return n
            } ?? 1
        let id =
            try taskId ?? env["SLURM_ARRAY_TASK_ID"].map { v in
                guard let n = Int(v) else { throw ValidationError("SLURM_ARRAY_TASK_ID=\(v) is not a number") }
                return n - (env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0)
            } ?? 0
        guard count >= 1, id >= 0, id < count else {
            throw ValidationError("task id \(id) is not in 0..<\(count); check --task-id/--task-count or the array range")
        }
        return (id, count)
    }
}
