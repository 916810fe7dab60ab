import Foundation
import RDTCore

/// Renders a skinned MakeHuman body seen by a pinhole camera: the body's triangles (and the
/// clothing it wears) through the z-buffer rasterizer, optionally in front of a floor and a wall.
public struct MeshRenderer: Sendable {
    public var config: RenderConfig
    public let model: BodyModel
    /// Clothing wins over skin it lies on within this many metres (tights sit a few millimetres out).
    static let clothingBias: Float = 0.01
    /// The wall stands this far behind the subject's pelvis, seen from the camera.
    static let wallBehind = 1.5

    public init(config: RenderConfig, model: BodyModel) {
        self.config = config
        self.model = model
    }

    /// Renders `body` wearing `clothing` in `pose`; the camera is drawn from `rng` as `CameraPlacement` says.
    public func render(_ body: ShapedBody, clothing: Clothing, pose: RigPose, rng: inout DeterministicRandom) -> RenderedFrame {
        let groups = ["body"] + clothing.helperGroups
        let ranges = groups.compactMap { model.ranges[$0] }
        let posed = MeshSkinning.pose(body, pose, rig: model.rig, weights: model.weights, vertices: model.drawnVertices)
        // The floor is under the lowest point of the posed body.
        var lowest = Float.infinity
        posed.withUnsafeBufferPointer { p in
            for v in model.bodyVertices { lowest = min(lowest, p[v].y) }
        }
        let floor = Double(lowest)
        let points = pose.canonicalPoints(model.rig, body)
        let camera = CameraPlacement(config: config, facing: pose.facing, focus: points[.pelvis] ?? pose.root, floor: floor, rng: &rng)
        var cam = [SIMD3<Float>](repeating: .zero, count: posed.count)
        let right = SIMD3<Float>(camera.right), down = SIMD3<Float>(camera.down), forward = SIMD3<Float>(camera.forward)
        let origin = SIMD3<Float>(camera.position)
        for v in model.drawnVertices {
            let d = posed[Int(v)] - origin
            cam[Int(v)] = SIMD3((d * right).sum(), (d * down).sum(), (d * forward).sum())
        }
        var raster = TriangleRasterizer(
            width: config.width, height: config.height, focalLength: config.camera.focalLength, background: RenderLabel.background.rawValue)
        cam.withUnsafeBufferPointer { cam in
            model.triangles.withUnsafeBufferPointer { tris in
                model.labelValues.withUnsafeBufferPointer { labels in
                    for (k, r) in ranges.enumerated() {
                        raster.draw(
                            camera: cam, triangles: UnsafeBufferPointer(rebasing: tris[r]),
                            labels: UnsafeBufferPointer(rebasing: labels[r]),
                            bias: k == 0 ? 0 : Self.clothingBias)
                    }
                }
            }
        }
        if config.addBackground { drawBackground(&raster, camera: camera, floor: floor, focus: points[.pelvis] ?? pose.root) }
        let depth = raster.depth.map { $0.isFinite ? UInt16(min(max(($0 * 1000).rounded(), 1), 65534)) : 0 }
        var joints: [BodyPoint: SIMD3<Double>] = [:]
        for (p, v) in points { joints[p] = camera.toCamera(v) }
        return RenderedFrame(
            width: config.width, height: config.height, depth: depth, labels: raster.labels, cameraPosition: camera.position, joints: joints
        )
    }

    /// The floor (y = floor) and a wall facing the camera behind the subject, where nothing nearer was
    /// drawn; both carry the background label.
    func drawBackground(_ raster: inout TriangleRasterizer, camera: CameraPlacement, floor: Double, focus: SIMD3<Double>) {
        let f = config.camera.focalLength, cx = Double(config.width) / 2, cy = Double(config.height) / 2
        var level = camera.forward
        level.y = 0
        level = normalize(level)
        let wallPoint = focus + level * Self.wallBehind
        for y in 0..<config.height {
            for x in 0..<config.width {
                // The ray through the pixel centre, in world space, scaled so its camera z is 1.
                let u = (Double(x) + 0.5 - cx) / f, v = (Double(y) + 0.5 - cy) / f
                let ray = camera.right * u + camera.down * v + camera.forward
                var z = Double.infinity
                if ray.y < -1e-9 { z = min(z, (floor - camera.position.y) / ray.y) }
                let toward = (ray * level).sum()
                if toward > 1e-9 { z = min(z, ((wallPoint - camera.position) * level).sum() / toward) }
                let i = y * config.width + x
                if z > 0, z < 60, Float(z) < raster.depth[i] { raster.depth[i] = Float(z) }
            }
        }
    }
}
