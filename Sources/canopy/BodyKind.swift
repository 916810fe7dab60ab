import ArgumentParser
import Foundation
import ImagePipeline

/// `--body mesh|capsules` of render and bench render.
enum BodyKind: String, ExpressibleByArgument, CaseIterable {
    case mesh, capsules

    /// The job's body: the MakeHuman mesh (assets found as `BodyModel.locate` says, near this
    /// binary's checkout too), or capsules.
    func load() throws -> RenderJob.Body {
        switch self {
        case .capsules: return .capsules
        case .mesh:
            // Where this binary lives, however it was started (a path, or a name found on PATH, as
            // Slurm steps run it): the kernel's link to the running executable.
            let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
            return .mesh(try BodyModel(folder: try BodyModel.locate(near: [binary])))
        }
    }
}
