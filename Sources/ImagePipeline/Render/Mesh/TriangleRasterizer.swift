import Foundation

/// A z-buffer triangle rasterizer for a pinhole camera: each pixel keeps the nearest surface's depth
/// along the optical axis and its label. Vertices snap to 1/256 pixel and edges follow the top-left
/// rule, so triangles that share an edge cover each pixel on it exactly once (no cracks, no double
/// hits); depth is interpolated perspective-correctly (1/z is linear on screen).
public struct TriangleRasterizer: Sendable {
    public let width: Int
    public let height: Int
    let focal: Double
    /// Camera z of the nearest surface per pixel (metres; +infinity where nothing was drawn).
    public var depth: [Float]
    /// Label per pixel (`background` where nothing was drawn).
    public var labels: [UInt8]
    /// Surfaces nearer than this to the camera are not drawn.
    static let near: Float = 0.05
    static let subpixel: Double = 256

    public init(width: Int, height: Int, focalLength: Double, background: UInt8) {
        self.width = width
        self.height = height
        focal = focalLength
        depth = [Float](repeating: .infinity, count: width * height)
        labels = [UInt8](repeating: background, count: width * height)
    }

    /// Draws `triangles` (indices into `camera`, camera-space vertices in metres; x right, y down,
    /// z forward) with a label each. A surface wins a pixel when it is nearer than what is there by
    /// more than `bias` metres of the existing surface (a positive bias lets clothing win over the skin
    /// it lies on). Faces seen from behind are skipped when `cullBackFaces`.
    public mutating func draw(
        camera: UnsafeBufferPointer<SIMD3<Float>>, triangles: UnsafeBufferPointer<SIMD3<Int32>>,
        labels triangleLabels: UnsafeBufferPointer<UInt8>,
        bias: Float = 0, cullBackFaces: Bool = true
    ) {
        let w = width, h = height
        let cx = Double(w) / 2, cy = Double(h) / 2, f = focal, sub = Self.subpixel
        depth.withUnsafeMutableBufferPointer { zbuf in
            labels.withUnsafeMutableBufferPointer { lbuf in
                for t in 0..<triangles.count {
                    let tri = triangles[t]
                    let p0 = camera[Int(tri.x)], p1 = camera[Int(tri.y)], p2 = camera[Int(tri.z)]
                    guard p0.z > Self.near, p1.z > Self.near, p2.z > Self.near else { continue }
                    // Fixed-point screen positions (pixel centres at +0.5).
                    @inline(__always) func snap(_ p: SIMD3<Float>) -> SIMD2<Int64> {
                        SIMD2(
                            Int64(((cx + f * Double(p.x) / Double(p.z)) * sub).rounded()),
                            Int64(((cy + f * Double(p.y) / Double(p.z)) * sub).rounded()))
                    }
                    var a = snap(p0), b = snap(p1), c = snap(p2)
                    var za = 1 / p0.z, zb = 1 / p1.z, zc = 1 / p2.z
                    var area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
                    if area == 0 { continue }
                    // hm08 winds faces counter-clockwise seen from outside: with y down on screen, a face
                    // turned to the camera has area < 0. Order every face so area > 0 (edge functions
                    // positive inside); a shared edge then runs opposite ways in its two faces.
                    if area > 0 {
                        if cullBackFaces { continue }
                    } else {
                        swap(&b, &c)
                        swap(&zb, &zc)
                        area = -area
                    }
                    let minX = max(0, Int((min(a.x, b.x, c.x) - 128) >> 8)), maxX = min(w - 1, Int((max(a.x, b.x, c.x) - 128 + 255) >> 8))
                    let minY = max(0, Int((min(a.y, b.y, c.y) - 128) >> 8)), maxY = min(h - 1, Int((max(a.y, b.y, c.y) - 128 + 255) >> 8))
                    guard minX <= maxX, minY <= maxY else { continue }
                    // Edge function of edge (u -> v) at point p; top-left edges include their pixels, others do not.
                    @inline(__always) func fill(_ u: SIMD2<Int64>, _ v: SIMD2<Int64>) -> Int64 {
                        let dy = v.y - u.y, dx = v.x - u.x
                        return (dy < 0 || (dy == 0 && dx > 0)) ? 0 : -1
                    }
                    let b0 = fill(b, c), b1 = fill(c, a), b2 = fill(a, b)
                    let inv = 1 / Double(area)
                    let label = triangleLabels[t]
                    for y in minY...maxY {
                        let py = Int64(y) * 256 + 128
                        for x in minX...maxX {
                            let px = Int64(x) * 256 + 128
                            let e0 = (c.x - b.x) * (py - b.y) - (c.y - b.y) * (px - b.x)
                            let e1 = (a.x - c.x) * (py - c.y) - (a.y - c.y) * (px - c.x)
                            let e2 = (b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x)
                            guard e0 + b0 >= 0, e1 + b1 >= 0, e2 + b2 >= 0 else { continue }
                            let iz = (Double(e0) * Double(za) + Double(e1) * Double(zb) + Double(e2) * Double(zc)) * inv
                            let z = Float(1 / iz)
                            let i = y * w + x
                            if z - bias < zbuf[i] {
                                zbuf[i] = z
                                lbuf[i] = label
                            }
                        }
                    }
                }
            }
        }
    }
}
