import Dataset
import Foundation
import RDTCore

/// What a job needs before its first level, read from its dataset: the parameters with the
/// dataset's background, the trees' indexes and candidates. The same for one process and a cluster.
public struct JobSetup {
    public let job: TrainingJob
    /// The dataset's folder, absolute (workers read it by this path from shared storage).
    public let datasetRoot: String
    public let manifest: DatasetManifest
    public let camera: Camera
    public let parameters: TrainingParameters
    /// Frame ids of each tree's index, and which (tree, position) uses each frame.
    public let indexes: [[UInt64]]
    public let uses: FrameUses
    public let candidates: [Candidates]

    public var labelCount: Int { manifest.labelMap.count }

    public init(job: TrainingJob, datasetRoot: String) throws {
        self.job = job
        self.datasetRoot = URL(fileURLWithPath: datasetRoot).standardizedFileURL.path
        manifest = try DatasetManifest(root: self.datasetRoot)
        guard let camera = manifest.camera else { throw TrainingDataError.noCamera(datasetRoot) }
        self.camera = camera
        var params = job.parameters
        params.backgroundDepthMM = manifest.backgroundDepthMM
        parameters = params
        indexes = try TrainingSetLoader.indexes(job.indexNames, manifest: manifest)
        uses = FrameUses(indexes: indexes)
        candidates = (0..<job.trees).map { Candidates(parameters: params, camera: camera, tree: $0) }
    }

    public func makeGrower() -> ForestGrower {
        ForestGrower(parameters: parameters, candidates: candidates, labelCount: labelCount)
    }
}
