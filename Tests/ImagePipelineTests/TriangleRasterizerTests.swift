import Foundation
import RDTCore
import Testing

@testable import ImagePipeline

/// The z-buffer rasterizer: shared edges cover each pixel once, depth is exact, the nearest surface wins.
@Suite struct TriangleRasterizerTests {
    let width = 64, height = 48, focal = 50.0

    /// A jittered grid over a plane through (0, 0, 2) with normal `normal`, wider than the view,
    /// each cell split along a random diagonal; triangles wound to face the camera.
    func plane(cells: Int, normal: SIMD3<Double> = SIMD3(0, 0, -1), seed: UInt64) -> ([SIMD3<Float>], [SIMD3<Int32>]) {
        var rng = DeterministicRandom(seed)
        var vertices: [SIMD3<Float>] = []
        for j in 0...cells {
            for i in 0...cells {
                let edge = i == 0 || j == 0 || i == cells || j == cells
                let jx = edge ? 0 : rng.uniform(-0.3, 0.3), jy = edge ? 0 : rng.uniform(-0.3, 0.3)
                let x = (Double(i) + jx) / Double(cells) * 6 - 3, y = (Double(j) + jy) / Double(cells) * 5 - 2.5
                // z on the plane: normal . (p - (0, 0, 2)) = 0.
                let z = 2 - (normal.x * x + normal.y * y) / normal.z
                vertices.append(SIMD3(Float(x), Float(y), Float(z)))
            }
        }
        var triangles: [SIMD3<Int32>] = []
        for j in 0..<cells {
            for i in 0..<cells {
                let a = Int32(j * (cells + 1) + i), b = a + 1, c = a + Int32(cells + 1), d = c + 1
                if rng.uniform(0, 1) < 0.5 {
                    triangles += [SIMD3(a, c, b), SIMD3(b, c, d)]
                } else {
                    triangles += [SIMD3(a, c, d), SIMD3(a, d, b)]
                }
            }
        }
        return (vertices, triangles)
    }

    func draw(_ r: inout TriangleRasterizer, _ v: [SIMD3<Float>], _ t: [SIMD3<Int32>], label: UInt8 = 1, cull: Bool = true) {
        let labels = [UInt8](repeating: label, count: t.count)
        v.withUnsafeBufferPointer { v in
            t.withUnsafeBufferPointer { t in
                labels.withUnsafeBufferPointer { r.draw(camera: v, triangles: t, labels: $0, cullBackFaces: cull) }
            }
        }
    }

    @Test func trianglesSharingEdgesCoverEveryPixelExactlyOnce() {
        for seed: UInt64 in [1, 2, 3] {
            let (v, t) = plane(cells: 9, seed: seed)
            var coverage = [Int](repeating: 0, count: width * height)
            for tri in t {
                var r = TriangleRasterizer(width: width, height: height, focalLength: focal, background: 0)
                draw(&r, v, [tri])
                for i in coverage.indices where r.depth[i].isFinite { coverage[i] += 1 }
            }
            #expect(coverage.allSatisfy { $0 == 1 }, "seed \(seed): pixels covered \(Set(coverage)) times")
        }
    }

    @Test func depthIsTheDistanceAlongTheOpticalAxisOnATiltedPlane() {
        let normal = SIMD3<Double>(0.4, -0.3, -1)
        let (v, t) = plane(cells: 7, normal: normal, seed: 4)
        var r = TriangleRasterizer(width: width, height: height, focalLength: focal, background: 0)
        draw(&r, v, t)
        var worst = 0.0
        for y in 0..<height {
            for x in 0..<width {
                // The ray through the pixel centre, z = 1, meets the plane at t * ray.
                let ray = SIMD3((Double(x) + 0.5 - Double(width) / 2) / focal, (Double(y) + 0.5 - Double(height) / 2) / focal, 1)
                let z = (normal * SIMD3(0, 0, 2)).sum() / (normal * ray).sum()
                worst = max(worst, abs(Double(r.depth[y * width + x]) - z))
            }
        }
        // Snapping vertices to 1/256 pixel moves depth by well under the millimetre depth files store.
        #expect(worst < 5e-4, "largest depth error \(worst) m")
    }

    @Test func theNearestSurfaceWinsInEitherOrderAndBackFacesAreSkipped() {
        let (near, t) = plane(cells: 3, seed: 5)
        let far = near.map { $0 + SIMD3(0, 0, 1) }
        let orders: [[([SIMD3<Float>], UInt8)]] = [[(near, 1), (far, 2)], [(far, 2), (near, 1)]]
        for order in orders {
            var r = TriangleRasterizer(width: width, height: height, focalLength: focal, background: 0)
            for (v, label) in order { draw(&r, v, t, label: label) }
            #expect(r.labels.allSatisfy { $0 == 1 } && r.depth.allSatisfy { abs($0 - 2) < 1e-4 })
        }
        let backwards = t.map { SIMD3($0.x, $0.z, $0.y) }
        var culled = TriangleRasterizer(width: width, height: height, focalLength: focal, background: 0)
        draw(&culled, near, backwards)
        #expect(culled.depth.allSatisfy { !$0.isFinite }, "faces turned away are not drawn")
        var both = TriangleRasterizer(width: width, height: height, focalLength: focal, background: 0)
        draw(&both, near, backwards, cull: false)
        #expect(both.depth.allSatisfy { $0.isFinite }, "without culling, both windings draw")
    }
}
