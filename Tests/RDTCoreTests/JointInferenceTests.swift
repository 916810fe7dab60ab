import Foundation
import Testing

@testable import RDTCore

struct JointInferenceTests {
    /// 80x60 frame at 2 m: a 10x10 patch of label 2 around pixel (30, 20), and a 3x3 stray patch of
    /// label 2 at (70, 50). Probabilities are one-hot.
    static func frame() -> (probs: [Float], depth: [UInt16], camera: Camera) {
        let camera = Camera(width: 80, height: 60, verticalFOVDegrees: 45)
        let labels = 4
        var probs = [Float](repeating: 0, count: 80 * 60 * labels)
        var depth = [UInt16](repeating: 0, count: 80 * 60)
        for y in 0..<60 {
            for x in 0..<80 {
                let i = y * 80 + x
                let inPatch = (25..<35).contains(x) && (15..<25).contains(y)
                let stray = (69..<72).contains(x) && (49..<52).contains(y)
                if inPatch || stray {
                    depth[i] = 2000
                    probs[i * labels + 2] = 1
                } else if x < 60 {
                    depth[i] = 2100
                    probs[i * labels + 1] = 1
                }
            }
        }
        return (probs, depth, camera)
    }

    @Test func aJointLandsOnItsLabelsBackProjectedCentrePlusOffset() throws {
        let (probs, depth, camera) = Self.frame()
        let map = JointMap(joints: [JointMap.Joint(name: "head.tail", labels: [2]), JointMap.Joint(name: "body", labels: [1, 3])])
        let params = [JointParameters(bandwidth: 0.3, threshold: 0.5, offset: 0.04), JointParameters()]
        let joints = JointInference.joints(
            probabilities: probs, labelCount: 4, depth: depth, camera: camera, map: map,
            parameters: params, backgroundDepthMM: 8000)
        // The patch's centre is pixel (30, 20) (pixel centres 25.5...34.5), at 2 m, pushed 4 cm deeper.
        let expected = camera.unproject(x: 30, y: 20, depth: 2.0) + SIMD3(0, 0, 0.04)
        let head = try #require(joints[0])
        let error = SIMD3<Double>(Double(head.x), Double(head.y), Double(head.z)) - expected
        #expect((error * error).sum().squareRoot() < 0.01, "head at \(head), expected \(expected)")
        // The stray patch pulls the fast (weighted mean) estimate away; mean-shift ignores it.
        let fast = try #require(
            JointInference.joints(
                probabilities: probs, labelCount: 4, depth: depth, camera: camera, map: map,
                parameters: params, backgroundDepthMM: 8000, fast: true)[0])
        let fastError = SIMD3<Double>(Double(fast.x), Double(fast.y), Double(fast.z)) - expected
        #expect((fastError * fastError).sum().squareRoot() > 0.02)
        #expect(joints[1] != nil)
        // A joint whose labels no pixel has is nil.
        let none = JointInference.joints(
            probabilities: probs, labelCount: 4, depth: depth, camera: camera,
            map: JointMap(joints: [JointMap.Joint(name: "x", labels: [3])]), parameters: [JointParameters()],
            backgroundDepthMM: 8000)
        #expect(none == [nil])
    }

    @Test func glimpseJointMapsLoadAndWrongLabelCountsAreNamed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let path = root + "/reference/glimpse/joint-maps/2018-08-joint-map.json"
        let map = try JointMap(contentsOf: path, labelCount: 34)
        #expect(map.joints.count == 14 && map.joints[0].name == "head.tail" && map.joints[0].labels == [3, 4])
        #expect(map.bones.count >= 13)
        #expect(throws: JointError.self) { try JointMap(contentsOf: path, labelCount: 10) }
        let params = (0..<14).map { JointParameters(bandwidth: 0.01 * Float($0 + 1), threshold: 0.5, offset: 0.02) }
        let file = NSTemporaryDirectory() + "canopy-joint-params-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Array(JointParameters.json(params, map: map).serialized().utf8).withUnsafeBytes {
            try Data($0).write(to: URL(fileURLWithPath: file))
        }
        #expect(try JointParameters.load(file, map: map) == params)
        // glimpse's files key entries by name only; a typo in an entry is refused by name.
        let glimpse = JSON.object([
            ("n_joints", .int(14)),
            (
                "params",
                .array(
                    zip(map.joints, params).map { j, p in
                        .object([
                            ("name", .string(j.name)), ("bandwidth", .double(Double(p.bandwidth))),
                            ("threshold", .double(Double(p.threshold))), ("offset", .double(Double(p.offset))),
                        ])
                    })
            ),
        ])
        try glimpse.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try JointParameters.load(file, map: map) == params)
        try glimpse.serialized().replacingOccurrences(of: "\"offset\"", with: "\"ofset\"").write(
            toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: InputKeyError.self) { try JointParameters.load(file, map: map) }
    }
}
