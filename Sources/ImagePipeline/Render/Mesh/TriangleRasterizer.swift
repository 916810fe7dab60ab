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
                    // Rounding by an offset that makes the value positive, then truncating (no libm call);
                    // camera z > 0.05 m keeps screen positions far inside +-2^39.
                    @inline(__always) func snap(_ p: SIMD3<Float>) -> SIMD2<Int64> {
                        let offset = 1_099_511_627_776.5  // 2^40 + 1/2
                        return SIMD2(
                            Int64((cx + f * Double(p.x) / Double(p.z)) * sub + offset) &- (1 << 40),
                            Int64((cy + f * Double(p.y) / Double(p.z)) * sub + offset) &- (1 << 40))
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
                    // Edge functions at the first pixel centre of the box, stepped by their x and y slopes
                    // (wrapping arithmetic: the values stay far inside 64 bits).
                    let x0 = Int64(minX) &* 256 &+ 128, y0 = Int64(minY) &* 256 &+ 128
                    @inline(__always) func edge(_ u: SIMD2<Int64>, _ v: SIMD2<Int64>) -> Int64 {
                        (v.x &- u.x) &* (y0 &- u.y) &- (v.y &- u.y) &* (x0 &- u.x)
                    }
                    var row0 = edge(b, c) &+ b0, row1 = edge(c, a) &+ b1, row2 = edge(a, b) &+ b2
                    let dx0 = (b.y &- c.y) &* 256, dx1 = (c.y &- a.y) &* 256, dx2 = (a.y &- b.y) &* 256
                    let dy0 = (c.x &- b.x) &* 256, dy1 = (a.x &- c.x) &* 256, dy2 = (b.x &- a.x) &* 256
                    let wa = Double(za) * inv, wb = Double(zb) * inv, wc = Double(zc) * inv
                    for y in minY...maxY {
                        var e0 = row0, e1 = row1, e2 = row2
                        var i = y &* w &+ minX
                        for _ in minX...maxX {
                            if e0 | e1 | e2 >= 0 {
                                // Undo the fill bias for the weights; 1/z is linear on screen.
                                let iz = Double(e0 &- b0) * wa + Double(e1 &- b1) * wb + Double(e2 &- b2) * wc
                                let z = Float(1 / iz)
                                if z - bias < zbuf[i] {
                                    zbuf[i] = z
                                    lbuf[i] = label
                                }
                            }
                            e0 &+= dx0
                            e1 &+= dx1
                            e2 &+= dx2
                            i &+= 1
                        }
                        row0 &+= dy0
                        row1 &+= dy1
                        row2 &+= dy2
                    }
                }
            }
        }
    }
}
