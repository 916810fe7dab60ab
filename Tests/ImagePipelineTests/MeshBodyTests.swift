import Foundation
import RDTCore
import TestSupport
import Testing

@testable import ImagePipeline

/// The MakeHuman body: assets, rest pose, retargeted CMU motion, labels, mirroring, shape, rasterizer.
@Suite struct MeshBodyTests {
    /// Loaded once for the suite (scripts/setup fetches the assets into .cache/mpfb2).
    static let model: Result<BodyModel, Error> = Result {
        try BodyModel(folder: try BodyModel.locate(near: [RawFixture.root]))
    }

    func frontConfig() -> RenderConfig {
        var c = RenderConfig()
        (c.minRotation, c.maxRotation) = (0, 0)
        (c.minDistance, c.maxDistance) = (2.5, 2.5)
        (c.minHeight, c.maxHeight) = (1.1, 1.1)
        return c
    }

    @Test func restPoseAtALook() throws {
        let model = try Self.model.get()
        let t0 = Date()
        let body = model.shaped(BodyShape())
        print("shaped in \(Date().timeIntervalSince(t0))")
        var rng = DeterministicRandom(1)
        let frame = MeshRenderer(config: frontConfig(), model: model).render(body, clothing: Clothing(), pose: .rest(body), rng: &rng)
        try ContactSheet.write([("rest", frame)], to: "/tmp/mesh-rest.png")
        var hist: [UInt8: (Int, Int, Int)] = [:]
        for i in frame.depth.indices where frame.depth[i] > 0 {
            let l = frame.labels[i]
            let d = Int(frame.depth[i])
            let old = hist[l] ?? (Int.max, 0, 0)
            hist[l] = (min(old.0, d), max(old.1, d), old.2 + 1)
        }
        for (l, v) in hist.sorted(by: { $0.key < $1.key }) { print(RenderLabel(rawValue: l)!, v) }
        let mocap = RawFixture.root + "/data/mocap/cmu-mb2_08_01_walk.bvh"
        let motion = try BVHMotion(contentsOf: mocap)
        let mapping = SkeletonMapping.builtIn(for: motion)!
        let retarget = RigRetarget(motion: motion, mapping: mapping, rig: model.rig)
        var frames: [(String, RenderedFrame)] = []
        for f in [1, 40, 80, 120] {
            let pose = try retarget.pose(frame: f, rig: model.rig, body: body)
            var rng = DeterministicRandom(1)
            frames.append(
                (
                    "walk \(f)",
                    MeshRenderer(config: frontConfig(), model: model).render(
                        body, clothing: Clothing(tights: true, skirt: false, hair: true), pose: pose, rng: &rng)
                ))
        }
        try ContactSheet.write(frames, to: "/tmp/mesh-walk.png")
    }
}
