import Foundation
import RDTCore
import TestSupport
import Testing

@testable import ImagePipeline

/// The MakeHuman body: assets, rest pose, retargeted CMU motion, labels, mirroring, shape, array tasks.
@Suite struct MeshBodyTests {
    /// Loaded once for the suite (scripts/setup fetches the assets into .cache/mpfb2).
    static let model: Result<BodyModel, Error> = Result { try BodyModel(folder: try BodyModel.locate(near: [RawFixture.root])) }
    static let walkPath = RawFixture.root + "/data/mocap/cmu-mb2_08_01_walk.bvh"

    func walk(_ model: BodyModel) throws -> RigRetarget {
        let motion = try BVHMotion(contentsOf: Self.walkPath)
        let mapping = try #require(SkeletonMapping.builtIn(for: motion))
        return RigRetarget(motion: motion, mapping: mapping, rig: model.rig)
    }

    /// A camera 2.5 m in front of the pelvis, 1.1 m above the floor, no turn.
    func frontConfig(width: Int = 320, height: Int = 240) -> RenderConfig {
        var c = RenderConfig()
        (c.width, c.height) = (width, height)
        (c.minRotation, c.maxRotation) = (0, 0)
        (c.minDistance, c.maxDistance) = (2.5, 2.5)
        (c.minHeight, c.maxHeight) = (1.1, 1.1)
        return c
    }

    func render(_ model: BodyModel, _ body: ShapedBody, _ pose: RigPose, clothing: Clothing = Clothing(), config: RenderConfig? = nil)
        -> RenderedFrame
    {
        var rng = DeterministicRandom(7)
        return MeshRenderer(config: config ?? frontConfig(), model: model).render(body, clothing: clothing, pose: pose, rng: &rng)
    }

    func centroid(_ frame: RenderedFrame, _ labels: [RenderLabel]) -> (x: Double, y: Double, n: Int) {
        var sx = 0.0, sy = 0.0, n = 0
        let values = Set(labels.map(\.rawValue))
        for i in frame.labels.indices where values.contains(frame.labels[i]) {
            sx += Double(i % frame.width)
            sy += Double(i / frame.width)
            n += 1
        }
        return (sx / Double(max(n, 1)), sy / Double(max(n, 1)), n)
    }

    @Test func theMeshRigAndWeightsLoadAndEveryFaceHasAMirrorExactLabel() throws {
        let model = try Self.model.get()
        #expect(model.rest.count == 19158, "hm08: 13380 body vertices, helpers and joint cubes")
        #expect(model.rig.bones.count == 31 && model.rig.bones[0].name == "Hips" && model.rig.bones[0].parent == nil)
        for name in ["LeftUpLeg", "LeftForeArm", "RightHand", "Head", "LHipJoint"] { #expect(model.rig.index(of: name) != nil, "\(name)") }
        for v in 0..<model.rest.count {
            let k = Int(model.weights.start[v])..<Int(model.weights.start[v + 1])
            let sum = k.reduce(Float(0)) { $0 + model.weights.weights[$1] }
            #expect(abs(sum - 1) < 1e-4, "vertex \(v)")
            if abs(sum - 1) >= 1e-4 { break }
        }
        let body = try #require(model.ranges["body"])
        #expect(body.count == 13378 * 2, "every body quad as two triangles")
        #expect(!model.labels.contains(.background))
        let parts = Set(RenderLabel.allCases).subtracting([.background])
        #expect(Set(model.labels[body]) == parts, "all 33 parts on the body")
        // Every quad's mirror quad carries the opposite label.
        var quads: [[Int32]: RenderLabel] = [:]
        for q in stride(from: 0, to: model.triangles.count, by: 2) {
            let corners = Set([model.triangles[q], model.triangles[q + 1]].flatMap { [$0.x, $0.y, $0.z] }).sorted()
            quads[corners] = model.labels[q]
        }
        var checked = 0
        for (corners, label) in quads {
            let other = corners.map { model.mirror.mirror[Int($0)] }.sorted()
            #expect(quads[other] == label.opposite, "quad \(corners)")
            checked += 1
        }
        #expect(checked == model.triangles.count / 2)
        // The raw values are glimpse's: the 2018-11 render map takes every one.
        let map = try LabelMap(contentsOf: RawFixture.renderMap)
        #expect(Set(RenderLabel.allCases.map { Int($0.rawValue) }).isSubset(of: Set(map.labels.flatMap(\.inputs))))
    }

    @Test func theRestPoseReproducesTheMesh() throws {
        let model = try Self.model.get()
        for shape in [
            BodyShape(),
            {
                var r = DeterministicRandom(5)
                return BodyShape.random(&r)
            }(),
        ] {
            let body = model.shaped(shape)
            let posed = MeshSkinning.pose(body, .rest(body), rig: model.rig, weights: model.weights, vertices: model.drawnVertices)
            var worst: Float = 0
            for v in model.drawnVertices {
                worst = max(worst, ((posed[Int(v)] - body.positions[Int(v)]) * (posed[Int(v)] - body.positions[Int(v)])).sum())
            }
            #expect(worst.squareRoot() < 1e-5, "largest move \(worst.squareRoot()) m")
            // The soles are at the floor and the body is as tall as the shape says.
            let ys = body.positions.prefix(13380).map { Double($0.y) }
            #expect(abs((ys.max()! - ys.min()!) - shape.height) < 1e-4)
        }
    }

    @Test func aCMUFrameStandsUprightWithTheSubjectsLeftHandOnTheImagesRight() throws {
        let model = try Self.model.get()
        let body = model.shaped(BodyShape())
        let retarget = try walk(model)
        #expect(retarget.byRotation, "mb2 drives the rig by rotation")
        for f in [1, 60, 130, 200] {
            let frame = render(model, body, try retarget.pose(frame: f, rig: model.rig, body: body))
            let head = centroid(frame, [.headLeft, .headRight, .headTopLeft, .headTopRight])
            let feet = centroid(frame, [.toesLeft, .toesRight, .ankleLeft, .ankleRight])
            let left = centroid(frame, [.shoulderLeft, .upperArmLeft, .elbowLeft, .forearmLeft, .wristLeft, .handLeft])
            let right = centroid(frame, [.shoulderRight, .upperArmRight, .elbowRight, .forearmRight, .wristRight, .handRight])
            #expect(head.n > 200 && feet.n > 20 && left.n > 20 && right.n > 20, "frame \(f)")
            #expect(head.y < feet.y - 100, "frame \(f): head above the feet")
            #expect(left.x > right.x, "frame \(f): the subject's left on the image's right")
            let joints = frame.joints
            #expect(joints[.headTop]!.y < joints[.leftAnkle]!.y - 1.3, "camera y is down; a standing body is > 1.3 m tall")
            #expect(joints[.leftShoulder]!.x > joints[.rightShoulder]!.x)
        }
    }

    @Test func everyLabelAppearsOverTheWalkClip() throws {
        let model = try Self.model.get()
        var job = try RenderJob(
            bvh: [Self.walkPath], jointMap: nil,
            config: try RenderConfig(contentsOf: RawFixture.root + "/reference/glimpse/render-configs/iphone-x-training.json"),
            output: "/dev/null")
        job.setBody(.mesh(model))
        job.every = 8
        var seen = Set<UInt8>()
        for item in job.frameList() { seen.formUnion(try job.frame(item).frame.labels) }
        let expected = Set(RenderLabel.allCases.map(\.rawValue))
        #expect(seen == expected, "missing: \(expected.subtracting(seen).compactMap { RenderLabel(rawValue: $0) })")
    }

    @Test func aMirroredPoseRendersAsTheFlippedRenderWithOppositeLabels() throws {
        let model = try Self.model.get()
        let body = model.shaped(BodyShape())
        let retarget = try walk(model)
        for f in [30, 150] {
            let pose = try retarget.pose(frame: f, rig: model.rig, body: body)
            let clothing = Clothing(tights: true, skirt: false, hair: true)
            let a = render(model, body, pose, clothing: clothing), b = render(model, body, pose.mirrored(model.rig), clothing: clothing)
            var union = 0, same = 0
            for y in 0..<a.height {
                for x in 0..<a.width {
                    let i = y * a.width + x, j = y * a.width + (a.width - 1 - x)
                    guard a.depth[i] != 0 || b.depth[j] != 0 else { continue }
                    union += 1
                    let opposite = RenderLabel(rawValue: a.labels[i])?.opposite.rawValue
                    if b.labels[j] == opposite && abs(Int(a.depth[i]) - Int(b.depth[j])) <= 3 { same += 1 }
                }
            }
            #expect(union > 3000)
            #expect(Double(same) >= 0.98 * Double(union), "frame \(f): \(same) of \(union) pixels agree")
        }
    }

    @Test func theWeightMorphWidensTheSilhouette() throws {
        let model = try Self.model.get()
        var light = BodyShape(), heavy = BodyShape()
        light.weight = 0.1
        heavy.weight = 0.9
        func pixels(_ shape: BodyShape) -> Int {
            let body = model.shaped(shape)
            return render(model, body, .rest(body)).depth.filter { $0 != 0 }.count
        }
        let (l, h) = (pixels(light), pixels(heavy))
        #expect(Double(h) > 1.1 * Double(l), "heavy \(h) vs light \(l) pixels at the same height")
    }

    @Test func theNearestPixelHasTheGeometricDepth() throws {
        let model = try Self.model.get()
        let body = model.shaped(BodyShape())
        let frame = render(model, body, .rest(body))
        // The nearest vertex, 2.5 m camera distance to the pelvis: the nearest pixel is within 5 mm of it.
        var rng = DeterministicRandom(7)
        let camera = CameraPlacement(
            config: frontConfig(), facing: SIMD3(0, 0, 1), focus: body.heads[0],
            floor: Double(body.positions.prefix(13380).map(\.y).min()!),
            rng: &rng)
        let nearest = model.drawnVertices.prefix { $0 < 13380 }.map { camera.toCamera(SIMD3<Double>(body.positions[Int($0)])).z }.min()!
        let pixel = Double(frame.depth.filter { $0 != 0 }.min()!) / 1000
        #expect(abs(pixel - nearest) < 0.005, "nearest pixel \(pixel) m, nearest vertex \(nearest) m")
    }

    @Test func meshFramesAreTheSameForOneOrThreeTasks() throws {
        let model = try Self.model.get()
        let dir = try TemporaryDirectory()
        try expectSameOutputForOneOrThreeTasks(in: dir.path, frames: 7) { out in
            var job = try RenderJob(bvh: [Self.walkPath], jointMap: nil, config: RenderConfig(), output: out)
            job.setBody(.mesh(model))
            job.every = 40
            return job
        }
        let meta = try JSON.parse(
            try #require(FileManager.default.contents(atPath: dir.path + "/one/meta/cmu-mb2_08_01_walk-000041.json")).map { $0 })
        #expect(meta["body"]?["kind"]?.stringValue == "mesh")
        let height = try #require(meta["body"]?["shape"]?["height"]?.doubleValue)
        #expect((1.5...2.0).contains(height))
        #expect(meta["body"]?["clothing"]?["skirt"]?.boolValue != nil)
    }

    @Test func missingAssetsNameTheSetupCommand() throws {
        let dir = try TemporaryDirectory()
        for env in [["CANOPY_ASSETS": dir.path], [:]] {
            do {
                _ = try BodyModel.locate(near: [dir.path], environment: env, workingDirectory: dir.path)
                Issue.record("found assets in an empty folder")
            } catch {
                #expect("\(error)".contains("run scripts/setup"), "\(error)")
            }
        }
    }
}
