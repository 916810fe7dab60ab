import Foundation
import RDTCore

/// Where the camera stands for one frame: in front of the subject, turned around the focus point
/// (the pelvis) by the config's horizontal rotation, at its distance and its height above the floor,
/// looking at the focus; drawn from `rng` between the config's limits (equal limits: glimpse's fixed mode).
public struct CameraPlacement: Sendable {
    public var position: SIMD3<Double>
    public var right: SIMD3<Double>
    public var down: SIMD3<Double>
    public var forward: SIMD3<Double>

    public init(config: RenderConfig, facing: SIMD3<Double>, focus: SIMD3<Double>, floor: Double, rng: inout DeterministicRandom) {
        let distance = rng.uniform(config.minDistance, config.maxDistance)
        let eyeHeight = rng.uniform(config.minHeight, config.maxHeight)
        let angle = rng.uniform(config.minRotation, config.maxRotation) * Double.pi / 180
        let fwd = facing
        let dir = SIMD3(fwd.x * cos(angle) + fwd.z * sin(angle), 0, -fwd.x * sin(angle) + fwd.z * cos(angle))
        position = SIMD3(focus.x + dir.x * distance, floor + eyeHeight, focus.z + dir.z * distance)
        forward = normalize(focus - position)
        right = normalize(cross(forward, SIMD3(0, 1, 0)))
        down = cross(forward, right)
    }

    /// A world point in camera space (metres; x right, y down, z forward).
    @inline(__always) public func toCamera(_ p: SIMD3<Double>) -> SIMD3<Double> {
        let d = p - position
        return SIMD3((d * right).sum(), (d * down).sum(), (d * forward).sum())
    }
}
