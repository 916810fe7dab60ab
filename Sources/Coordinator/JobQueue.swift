import Training

/// The coordinator's jobs in the order they were given: each trained once, in turn; finished and
/// failed ones stay for `status` and `fetch`.
public struct JobQueue {
    public let records: [JobRecord]

    /// `jobs`: each job with its dataset's folder.
    init(_ jobs: [(TrainingJob, String)]) {
        records = jobs.map { JobRecord(job: $0.0, dataset: $0.1) }
    }

    /// The next job still queued.
    var next: JobRecord? { records.first { $0.state == .queued } }

    public subscript(name: String) -> JobRecord? { records.first { $0.job.name == name } }

    public var names: [String] { records.map(\.job.name) }
}
