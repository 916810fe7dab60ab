import Foundation

/// A pinhole depth camera. `verticalFOV` is in radians (configs give degrees, tree files radians).
public struct Camera: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var verticalFOV: Double

    public init(width: Int, height: Int, verticalFOV: Double) {
        self.width = width
        self.height = height
        self.verticalFOV = verticalFOV
    }

    public init(width: Int, height: Int, verticalFOVDegrees: Double) {
        self.init(width: width, height: height, verticalFOV: verticalFOVDegrees * Double.pi / 180)
    }

    /// Focal length in pixels: height / (2 tan(fov / 2)); square pixels, principal point at the centre.
    public var focalLength: Double { Double(height) / (2 * tan(verticalFOV / 2)) }

    /// Projects a camera-space point (metres; x right, y down, z forward) to pixel coordinates.
    public func project(_ p: SIMD3<Double>) -> SIMD2<Double> {
        let f = focalLength
        return SIMD2(Double(width) / 2 + f * p.x / p.z, Double(height) / 2 + f * p.y / p.z)
    }

    /// Back-projects pixel (x, y) at depth z metres to camera space.
    public func unproject(x: Double, y: Double, depth z: Double) -> SIMD3<Double> {
        let f = focalLength
        return SIMD3((x - Double(width) / 2) * z / f, (y - Double(height) / 2) * z / f, z)
    }
}
