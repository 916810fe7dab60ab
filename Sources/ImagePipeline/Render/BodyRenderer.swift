import Dataset
import Foundation
import RDTCore

/// A rendered frame: depth (mm, 0 = background), render label values, and where things were.
public struct RenderedFrame: Sendable {
    public var width: Int
    public var height: Int
    public var depth: [UInt16]
    public var labels: [UInt8]
    /// Camera position and orientation in world space (rows: right, down, forward).
    public var cameraPosition: SIMD3<Double>
    /// Canonical points in camera space (metres; x right, y down, z forward).
    public var joints: [BodyPoint: SIMD3<Double>]
}

/// Renders a pose as a body of capsules seen by a pinhole camera: per pixel the nearest surface,
/// its depth along the optical axis and its body-part label.
public struct BodyRenderer: Sendable {
    public var config: RenderConfig

    public init(config: RenderConfig) { self.config = config }

    struct Capsule {
        var a: SIMD3<Double>, b: SIMD3<Double>
        var radius: Double
        var label: (Double, Double) -> RenderLabel  // (t along a->b, lateral side: > 0 is the subject's left)
    }

    /// Body shape varies per frame within a seeded range (radius scale, torso width).
    func capsules(_ pose: Pose, rng: inout DeterministicRandom) -> [Capsule] {
        let s = rng.uniform(0.9, 1.15), torso = rng.uniform(0.95, 1.2)
        var list: [Capsule] = []
        let shoulderMid = (pose[.leftShoulder] + pose[.rightShoulder]) / 2
        let up = normalize(shoulderMid - pose[.pelvis])
        // The upper torso ends one radius below the shoulders, so its rounded top does not swallow the neck.
        let upperRadius = 0.14 * s * torso
        let spineTop = shoulderMid - up * (upperRadius * 0.9)
        let mid = (pose[.pelvis] + spineTop) / 2
        let headBase = pose[.neck] + (pose[.headTop] - pose[.neck]) * 0.15
        let headCentre = pose[.neck] + (pose[.headTop] - pose[.neck]) * 0.55
        list.append(Capsule(a: pose[.pelvis], b: mid, radius: 0.13 * s * torso) { _, side in side > 0 ? .waistLeft : .waistRight })
        list.append(Capsule(a: mid, b: spineTop, radius: upperRadius) { _, side in side > 0 ? .clavicleLeft : .clavicleRight })
        list.append(Capsule(a: shoulderMid - up * 0.02, b: headBase, radius: 0.055 * s) { _, _ in .neck })
        let headTopDir = pose[.headTop] - headCentre
        list.append(
            Capsule(a: headCentre - headTopDir * 0.3, b: headCentre + headTopDir * 0.35, radius: 0.095 * s) { t, side in
                t > 0.62 ? (side > 0 ? .headTopLeft : .headTopRight) : (side > 0 ? .headLeft : .headRight)
            })
        for left in [true, false] {
            func pt(_ l: BodyPoint, _ r: BodyPoint) -> SIMD3<Double> { left ? pose[l] : pose[r] }
            let shoulder = pt(.leftShoulder, .rightShoulder), elbow = pt(.leftElbow, .rightElbow)
            let wrist = pt(.leftWrist, .rightWrist), tip = pt(.leftHandTip, .rightHandTip)
            let hip = pt(.leftHip, .rightHip), knee = pt(.leftKnee, .rightKnee), ankle = pt(.leftAnkle, .rightAnkle)
            let toe = pt(.leftToe, .rightToe)
            list.append(Capsule(a: shoulder, b: shoulder, radius: 0.065 * s) { _, _ in left ? .shoulderLeft : .shoulderRight })
            list.append(
                Capsule(a: shoulder, b: elbow, radius: 0.048 * s) { t, _ in
                    t > 0.82 ? (left ? .elbowLeft : .elbowRight) : (left ? .upperArmLeft : .upperArmRight)
                })
            list.append(
                Capsule(a: elbow, b: wrist, radius: 0.04 * s) { t, _ in
                    t < 0.15
                        ? (left ? .elbowLeft : .elbowRight)
                        : t > 0.85
                            ? (left ? .wristLeft : .wristRight)
                            : (left ? .forearmLeft : .forearmRight)
                })
            list.append(
                Capsule(a: wrist, b: tip, radius: 0.036 * s) { t, _ in
                    t < 0.2 ? (left ? .wristLeft : .wristRight) : (left ? .handLeft : .handRight)
                })
            list.append(Capsule(a: hip, b: hip, radius: 0.095 * s * torso) { _, _ in left ? .hipLeft : .hipRight })
            list.append(
                Capsule(a: hip, b: knee, radius: 0.075 * s) { t, _ in
                    t < 0.12
                        ? (left ? .hipLeft : .hipRight)
                        : t > 0.86
                            ? (left ? .kneeLeft : .kneeRight)
                            : (left ? .thighLeft : .thighRight)
                })
            list.append(
                Capsule(a: knee, b: ankle, radius: 0.055 * s) { t, _ in
                    t < 0.12
                        ? (left ? .kneeLeft : .kneeRight)
                        : t > 0.92
                            ? (left ? .ankleLeft : .ankleRight)
                            : (left ? .shinLeft : .shinRight)
                })
            list.append(
                Capsule(a: ankle, b: toe, radius: 0.042 * s) { t, _ in
                    t < 0.35 ? (left ? .ankleLeft : .ankleRight) : (left ? .toesLeft : .toesRight)
                })
        }
        return list
    }

    /// Renders `pose` from a camera placed by the config's randomized position, seeded by `rng`.
    public func render(_ pose: Pose, rng: inout DeterministicRandom) -> RenderedFrame {
        let w = config.width, h = config.height
        let f = config.camera.focalLength, cx = Double(w) / 2, cy = Double(h) / 2
        let floor = min(pose[.leftToe].y, pose[.rightToe].y, pose[.leftAnkle].y, pose[.rightAnkle].y) - 0.03
        let camera = CameraPlacement(config: config, facing: pose.facing, focus: pose[.pelvis], floor: floor, rng: &rng)
        let toCamera = camera.toCamera
        let leftAxis = normalize(toCamera(pose[.leftHip]) - toCamera(pose[.rightHip]))
        let pelvisCam = toCamera(pose[.pelvis])
        var zbuf = [Double](repeating: .infinity, count: w * h)
        var labels = [UInt8](repeating: RenderLabel.background.rawValue, count: w * h)
        for c in capsules(pose, rng: &rng) {
            let a = toCamera(c.a), b = toCamera(c.b), r = c.radius
            guard min(a.z, b.z) - r > 0.05 else { continue }
            // Screen box of the capsule: projected end points grown by the projected radius.
            let ra = f * r / (a.z - r), rb = f * r / (b.z - r)
            let ax = cx + f * a.x / a.z, ay = cy + f * a.y / a.z, bx = cx + f * b.x / b.z, by = cy + f * b.y / b.z
            let x0 = max(0, Int((min(ax - ra, bx - rb)).rounded(.down))), x1 = min(w - 1, Int((max(ax + ra, bx + rb)).rounded(.up)))
            let y0 = max(0, Int((min(ay - ra, by - rb)).rounded(.down))), y1 = min(h - 1, Int((max(ay + ra, by + rb)).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { continue }
            let ba = b - a, baba = (ba * ba).sum()
            for y in y0...y1 {
                for x in x0...x1 {
                    let rd = normalize(SIMD3((Double(x) + 0.5 - cx) / f, (Double(y) + 0.5 - cy) / f, 1))
                    guard let t = intersect(rd: rd, a: a, b: b, ba: ba, baba: baba, r: r) else { continue }
                    let z = t * rd.z
                    let i = y * w + x
                    guard z < zbuf[i] else { continue }
                    zbuf[i] = z
                    let hit = rd * t
                    let along = baba > 0 ? min(max(((hit - a) * ba).sum() / baba, 0), 1) : 0
                    labels[i] = c.label(along, ((hit - pelvisCam) * leftAxis).sum()).rawValue
                }
            }
        }
        let depth = zbuf.map { $0.isFinite ? UInt16(min(max(($0 * 1000).rounded(), 1), 65534)) : 0 }
        var joints: [BodyPoint: SIMD3<Double>] = [:]
        for p in BodyPoint.allCases { joints[p] = toCamera(pose[p]) }
        return RenderedFrame(width: w, height: h, depth: depth, labels: labels, cameraPosition: camera.position, joints: joints)
    }

    /// Nearest intersection distance of a ray from the origin with a capsule (or a sphere when a == b):
    /// the cylinder's side where the ray is not parallel to the axis, and both end spheres; the
    /// nearest positive hit wins (a limb pointing at the camera is seen through its end caps).
    @inline(__always)
    func intersect(rd: SIMD3<Double>, a: SIMD3<Double>, b: SIMD3<Double>, ba: SIMD3<Double>, baba: Double, r: Double) -> Double? {
        var best = Double.infinity
        func sphere(_ c: SIMD3<Double>) {
            let bq = (rd * c).sum(), cq = (c * c).sum() - r * r, h = bq * bq - cq
            guard h > 0 else { return }
            let t = bq - h.squareRoot()
            if t > 0 && t < best { best = t }
        }
        sphere(a)
        if baba > 0 {
            sphere(b)
            let oa = -a
            let bard = (ba * rd).sum(), baoa = (ba * oa).sum(), rdoa = (rd * oa).sum(), oaoa = (oa * oa).sum()
            let qa = baba - bard * bard, qb = baba * rdoa - baoa * bard, qc = baba * oaoa - baoa * baoa - r * r * baba
            let disc = qb * qb - qa * qc
            if qa > 1e-9 * baba && disc >= 0 {
                let t = (-qb - disc.squareRoot()) / qa
                let along = baoa + t * bard
                if along > 0 && along < baba && t > 0 && t < best { best = t }
            }
        }
        return best.isFinite ? best : nil
    }
}

@inline(__always) func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }
@inline(__always) func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
