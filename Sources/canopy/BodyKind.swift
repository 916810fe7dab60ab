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
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
            return .mesh(try BodyModel(folder: try BodyModel.locate(near: [binary])))
        }
    }
}
