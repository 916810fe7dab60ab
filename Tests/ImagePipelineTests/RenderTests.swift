import Foundation
import RDTCore
import TestSupport
import Testing

@testable import ImagePipeline

@Suite struct RenderTests {
    /// The CMU clips the repository carries (data/mocap, with their MANIFEST and attribution).
    static let mocap = RawFixture.root + "/data/mocap"

    func frontConfig() -> RenderConfig {
        var c = RenderConfig()
        c.minRotation = 0
        c.maxRotation = 0
        return c
    }

    func centroid(_ frame: RenderedFrame, _ labels: [RenderLabel]) -> (x: Double, y: Double, n: Int) {
        var sx = 0.0, sy = 0.0, n = 0
        let values = Set(labels.map(\.rawValue))
        for i in 0..<frame.labels.count where values.contains(frame.labels[i]) {
            sx += Double(i % frame.width)
            sy += Double(i / frame.width)
            n += 1
        }
        return (sx / Double(max(n, 1)), sy / Double(max(n, 1)), n)
    }

    @Test func labelsLandWhereThePosePutsTheParts() {
        var rng = DeterministicRandom(3)
        // The built-in reach raises the subject's left arm; the subject faces the camera.
        let pose = BuiltInMotion.pose(clip: "builtin-reach", frame: 0, seed: 1)
        let frame = BodyRenderer(config: frontConfig()).render(pose, rng: &rng)
        let head = centroid(frame, [.headLeft, .headRight, .headTopLeft, .headTopRight])
        let pelvis = centroid(frame, [.waistLeft, .waistRight, .hipLeft, .hipRight])
        let leftHand = centroid(frame, [.handLeft]), rightHand = centroid(frame, [.handRight])
        #expect(head.n > 50 && pelvis.n > 50 && leftHand.n > 5 && rightHand.n > 5)
        #expect(head.y < pelvis.y)
        // Facing the camera, the subject's left is on the image's right.
        #expect(leftHand.x > rightHand.x)
        #expect(centroid(frame, [.thighLeft]).x > centroid(frame, [.thighRight]).x)
        // And the joints in the meta agree: left wrist at a larger camera x than the right one.
        #expect(frame.joints[.leftWrist]!.x > frame.joints[.rightWrist]!.x)
    }

    @Test func nearestBodyPixelHasTheGeometricDepth() {
        let renderer = BodyRenderer(config: frontConfig())
        for f in [0, 17, 33] {
            var rng = DeterministicRandom(9, UInt64(f))
            let pose = BuiltInMotion.pose(clip: "builtin-walk", frame: f, seed: 2)
            let frame = renderer.render(pose, rng: &rng)
            // The same camera and body again, to get the capsules in camera space.
            var rng2 = DeterministicRandom(9, UInt64(f))
            _ = rng2.uniform(0.0, 1.0)
            _ = rng2.uniform(0.0, 1.0)
            _ = rng2.uniform(0.0, 1.0)
            let capsules = renderer.capsules(pose, rng: &rng2)
            let position = frame.cameraPosition
            let forward = { () -> SIMD3<Double> in
                let d = pose[.pelvis] - position
                return d / (d * d).sum().squareRoot()
            }()
            let nearest = capsules.map { c in min(((c.a - position) * forward).sum(), ((c.b - position) * forward).sum()) - c.radius }
                .min()!
            let rendered = Double(frame.depth.filter { $0 > 0 }.min()!) / 1000
            #expect(abs(rendered - nearest) < 0.005, "frame \(f): rendered \(rendered) m, geometry \(nearest) m")
        }
    }

    @Test func everyBodyPartAppearsAcrossARealWalk() throws {
        var job = try RenderJob(
            bvh: [Self.mocap + "/cmu-mb2_08_01_walk.bvh"], jointMap: nil,
            config: try RenderConfig(contentsOf: RawFixture.root + "/reference/glimpse/render-configs/iphone-x-training.json"),
            output: "/dev/null")
        job.every = 4
        var seen = Set<UInt8>()
        for item in job.frameList() {
            var rng = DeterministicRandom(job.seed, BuiltInMotion.hash(item.clip), UInt64(item.frame), 0x4E4D)
            seen.formUnion(BodyRenderer(config: job.config).render(try job.pose(item), rng: &rng).labels)
        }
        let expected = Set(RenderLabel.allCases.map(\.rawValue))
        #expect(seen == expected, "missing: \(expected.subtracting(seen).sorted())")
        // The render values are glimpse's: the 2018-06 render map lists exactly these.
        let map = try LabelMap(contentsOf: RawFixture.root + "/reference/glimpse/label-maps/2018-06-render-to-2018-06-rdt-map.json")
        #expect(Set(map.labels.flatMap(\.inputs).map(UInt8.init)) == expected)
    }

    @Test func outputIsTheSameForOneOrThreeTasksAndReRunsSkip() throws {
        let dir = try TemporaryDirectory()
        try expectSameOutputForOneOrThreeTasks(in: dir.path, frames: 14) { out in
            var job = try RenderJob(bvh: [], jointMap: nil, config: RenderConfig(), output: out)
            job.builtInFrames = 7
            return job
        }
        var again = try RenderJob(bvh: [], jointMap: nil, config: RenderConfig(), output: dir.path + "/one")
        again.builtInFrames = 7
        let result = try again.run()
        #expect(result.rendered == 0 && result.skipped == 14)
    }

    @Test func aLimbPointingAtTheCameraIsSeenThroughItsEndCap() {
        let r = BodyRenderer(config: RenderConfig())
        let a = SIMD3<Double>(0, 0, 2), b = SIMD3<Double>(0, 0, 2.5), ba = b - a
        // Straight down the axis, and slightly off it: the near cap at 2 m - 5 cm.
        for slope in [0.0, 0.01] {
            let rd = normalize(SIMD3(slope, 0, 1))
            let t = r.intersect(rd: rd, a: a, b: b, ba: ba, baba: (ba * ba).sum(), r: 0.05)
            // The cap sphere at 2 m: the ray meets it where x = slope z, so z = 2 - sqrt(r^2 - x^2) (to first order).
            let x = slope * 1.95
            #expect(t != nil && abs(t! * rd.z - (2 - (0.0025 - x * x).squareRoot())) < 0.0005, "\(String(describing: t))")
        }
        // Side on, the cylinder: 2 m - 5 cm at the middle.
        let side = SIMD3<Double>(0, 0, 1)
        let c = SIMD3<Double>(-0.3, 0, 2), d = SIMD3<Double>(0.3, 0, 2)
        #expect(abs((r.intersect(rd: side, a: c, b: d, ba: d - c, baba: 0.36, r: 0.05) ?? 0) - 1.95) < 1e-9)
        #expect(r.intersect(rd: normalize(SIMD3(1, 0, 1)), a: a, b: b, ba: ba, baba: 0.25, r: 0.05) == nil)
    }

    @Test func malformedBVHNamesFileLineAndExpectation() throws {
        let text =
            "HIERARCHY\r\nROOT Hips\r\n{\r\n  OFFSET 0 0 0\r\n  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Wrotation\r\n}\r\n"
        #expect(throws: BVHError(path: "x.bvh", line: 5, expected: "a channel name (Xposition ... Zrotation)")) {
            try BVHMotion(text: text, source: "x.bvh")
        }
        let cut = try String(contentsOfFile: Self.mocap + "/cmu-mb2_08_01_walk.bvh", encoding: .utf8).prefix(20000)
        do {
            _ = try BVHMotion(text: String(cut), source: "cut.bvh")
            Issue.record("a cut BVH parsed")
        } catch let e as BVHError {
            #expect(e.line > 10 && e.expected.contains("channel values for frame"), "\(e)")
        }
        // Counts no file can hold are refused before anything is allocated, not trapped on.
        let header =
            "HIERARCHY\nROOT Hips\n{\n  OFFSET 0 0 0\n  CHANNELS 3 Xposition Yposition Zposition\n"
            + "  End Site\n  {\n    OFFSET 0 1 0\n  }\n}\nMOTION\n"
        for frames in ["1e300", "100000000000000", "-1", "2.5"] {
            #expect(throws: BVHError.self, "Frames: \(frames)") {
                try BVHMotion(text: header + "Frames: \(frames)\nFrame Time: 0.01\n0 0 0\n", source: "x.bvh")
            }
        }
        let channels = header.replacingOccurrences(of: "CHANNELS 3", with: "CHANNELS 1e300")
        #expect(throws: BVHError.self) { try BVHMotion(text: channels + "Frames: 1\nFrame Time: 0.01\n0 0 0\n", source: "x.bvh") }
        #expect(try BVHMotion(text: header + "Frames: 1\nFrame Time: 0.01\n0 0 0\n", source: "x.bvh").frames.count == 1)
    }

    @Test func everyCMUFamilyMapsAndUnitsAreMetres() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.mocap).filter({ $0.hasSuffix(".bvh") }) {
            let motion = try BVHMotion(contentsOf: Self.mocap + "/" + file)
            let mapping = try #require(SkeletonMapping.builtIn(for: motion), "\(file)")
            let pose = try mapping.pose(motion, frame: mapping.skipFrames)
            let height = pose[.headTop].y - min(pose[.leftAnkle].y, pose[.rightAnkle].y)
            #expect(height > 1.2 && height < 2.1, "\(file): head to ankle \(height) m")
        }
    }
}
