import Foundation
import RDTCore

/// MakeHuman's base mesh ready to render: rest positions in metres, the rig, skin weights, the
/// mirror table, the macro morph targets, and the triangles to draw with their render labels
/// (the body, then each clothing helper). Loaded once per process from the MPFB2 folder.
public struct BodyModel: Sendable {
    /// Metres per mesh unit (hm08 is in decimetres).
    static let unit = 0.1
    /// Helper geometry that can be worn, in drawing order after the body.
    public static let helperGroups = ["helper-tights", "helper-skirt", "helper-hair"]

    /// Rest positions, metres, y up, the subject facing +z (its left is +x).
    public let rest: [SIMD3<Float>]
    public let rig: MeshRig
    public let weights: SkinWeights
    public let mirror: MirrorTable
    /// Per bone, the vertices whose mean places its head and its tail.
    let headCubes: [[Int32]]
    let tailCubes: [[Int32]]
    /// Triangles to draw: the body's, then each helper group's (`ranges`).
    public let triangles: [SIMD3<Int32>]
    /// Per triangle, its render label.
    public let labels: [RenderLabel]
    /// The same, as raw values (what the rasterizer writes).
    let labelValues: [UInt8]
    /// Triangle ranges by group: "body" and the helper groups.
    public let ranges: [String: Range<Int>]
    /// The body's own vertices (the `body` vertex group; helpers and joint cubes follow them).
    public let bodyVertices: Range<Int>
    /// Every vertex a drawn triangle uses, sorted.
    public let drawnVertices: [Int32]
    /// Macro morph targets by path under targets/macrodetails (without .target.gz).
    let targets: [String: MorphTarget]

    /// The MPFB2 folder: `$CANOPY_ASSETS`, else `.cache/mpfb2` in the working directory or in any
    /// of `near`'s parent folders (the checkout of a canopy binary or test).
    public static func locate(
        near: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> String {
        if let set = environment["CANOPY_ASSETS"], !set.isEmpty {
            guard FileManager.default.fileExists(atPath: set + "/3dobjs/base.obj") else {
                throw MeshAssetError(path: set, problem: "CANOPY_ASSETS holds no MakeHuman body assets; run scripts/setup to fetch them")
            }
            return set
        }
        var looked: [String] = []
        for start in [workingDirectory] + near {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                let candidate = dir.path + "/.cache/mpfb2"
                if FileManager.default.fileExists(atPath: candidate + "/3dobjs/base.obj") { return candidate }
                looked.append(candidate)
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw MeshAssetError(
            path: looked.first ?? ".cache/mpfb2",
            problem: "MakeHuman body assets not found; run scripts/setup in the Canopy checkout to fetch them (or set CANOPY_ASSETS)")
    }

    public init(folder: String) throws {
        let mesh = try OBJMesh(contentsOf: folder + "/3dobjs/base.obj")
        let count = mesh.vertices.count
        rest = mesh.vertices.map { SIMD3<Float>($0 * Self.unit) }
        let groups = try VertexGroups(contentsOf: folder + "/mesh_metadata/basemesh_vertex_groups.json")
        guard let body = groups.groups["body"], body.count == 1, let bodyRange = body.first, bodyRange.lowerBound == 0,
            bodyRange.upperBound < count
        else {
            throw MeshAssetError.damaged(folder + "/mesh_metadata/basemesh_vertex_groups.json", "no \"body\" group of the first vertices")
        }
        bodyVertices = 0..<(bodyRange.upperBound + 1)
        rig = try MeshRig(contentsOf: folder + "/rigs/standard/rig.cmu_mb.json")
        for (point, (bone, _)) in RigPose.canonicalJoints where rig.index(of: bone) == nil {
            throw MeshAssetError.damaged(folder + "/rigs/standard/rig.cmu_mb.json", "no bone \(bone) for the \(point.rawValue) joint")
        }
        mirror = try MirrorTable(contentsOf: folder + "/mesh_metadata/hm08.mirror", vertexCount: count)
        weights = try SkinWeights(contentsOf: folder + "/rigs/standard/weights.cmu_mb.json", rig: rig, vertexCount: count)
            .symmetrized(mirror: mirror, boneMirror: rig.bones.indices.map(rig.mirror(of:)))
        func vertices(_ place: MeshRig.Placement) throws -> [Int32] {
            let list: [Int32]
            switch place {
            case .cube(let name): list = groups.vertices(name).map(Int32.init)
            case .mean(let given): list = given
            }
            guard !list.isEmpty, list.allSatisfy({ Int($0) < count }) else {
                throw MeshAssetError.damaged(
                    folder + "/rigs/standard/rig.cmu_mb.json", "a joint placed on no vertices or missing ones (\(place))")
            }
            return list
        }
        headCubes = try rig.bones.map { try vertices($0.head) }
        tailCubes = try rig.bones.map { try vertices($0.tail) }

        // Faces by group: the body and the helpers, as quads (hm08 is all quads) split into two triangles.
        var triangles: [SIMD3<Int32>] = []
        var faceOf: [Int] = []
        var ranges: [String: Range<Int>] = [:]
        var groupIndex: [String: Int] = [:]
        for name in ["body"] + Self.helperGroups {
            guard let g = mesh.groups.firstIndex(of: name) else {
                throw MeshAssetError.damaged(folder + "/3dobjs/base.obj", "no group \(name)")
            }
            groupIndex[name] = g
            let first = triangles.count
            for (f, face) in mesh.faces.enumerated() where mesh.faceGroups[f] == Int32(g) {
                for k in 1..<(face.count - 1) {
                    triangles.append(SIMD3(face[0], face[k], face[k + 1]))
                    faceOf.append(f)
                }
            }
            ranges[name] = first..<triangles.count
        }
        self.triangles = triangles
        self.ranges = ranges
        drawnVertices = Array(Set(triangles.flatMap { [$0.x, $0.y, $0.z] })).sorted()
        let faceLabels = try Self.faceLabels(
            mesh: mesh, rest: rest, rig: rig, weights: weights, mirror: mirror, heads: headCubes, tails: tailCubes,
            drawn: Set(faceOf), bodyGroup: Int32(groupIndex["body"] ?? 0), bodyVertices: bodyVertices, path: folder)
        labels = faceOf.map { faceLabels[$0] ?? .background }
        labelValues = labels.map(\.rawValue)

        var targets: [String: MorphTarget] = [:]
        for name in BodyShape.allTargets {
            targets[name] = try MorphTarget(contentsOf: folder + "/targets/macrodetails/" + name + ".target.gz", vertexCount: count)
        }
        self.targets = targets
    }

    /// Labels of drawn faces: body faces by the rules on their dominant bone, helper faces as the
    /// nearest body face; computed for faces on the subject's left, and mirrored to the right.
    static func faceLabels(
        mesh: OBJMesh, rest: [SIMD3<Float>], rig: MeshRig, weights: SkinWeights, mirror: MirrorTable, heads: [[Int32]],
        tails: [[Int32]], drawn: Set<Int>, bodyGroup: Int32, bodyVertices: Range<Int>, path: String
    ) throws -> [Int: RenderLabel] {
        func mean(_ list: [Int32]) -> SIMD3<Double> {
            list.reduce(SIMD3<Double>.zero) { $0 + SIMD3<Double>(rest[Int($1)]) } / Double(list.count)
        }
        let headAt = heads.map(mean), tailAt = tails.map(mean)
        // Each drawn face's centre, worked out once (the rules, the sides and the helpers' search all use it).
        let centres = Dictionary(uniqueKeysWithValues: drawn.map { ($0, mean(mesh.faces[$0])) })
        func centre(_ f: Int) -> SIMD3<Double> { centres[f] ?? mean(mesh.faces[f]) }
        var faceByCorners: [[Int32]: Int] = [:]
        for f in drawn { faceByCorners[mesh.faces[f].sorted()] = f }
        func mirrorFace(_ f: Int) throws -> Int {
            guard let g = faceByCorners[mesh.faces[f].map { mirror.mirror[Int($0)] }.sorted()] else {
                throw MeshAssetError.damaged(path + "/mesh_metadata/hm08.mirror", "face \(f) has no mirror face")
            }
            return g
        }
        let head = rig.index(of: "Head") ?? 0, neck = rig.index(of: "Neck") ?? 0
        let topOfHead = rest[bodyVertices].map { Double($0.y) }.max() ?? 0
        let levels = BodyPartRules.Levels(
            chest: headAt[neck].y - 0.42 * (headAt[neck].y - headAt[rig.index(of: "Hips") ?? 0].y),
            headTop: headAt[head].y + 0.45 * (topOfHead - headAt[head].y))
        var left: [Int: RenderLabel] = [:]
        let body = drawn.filter { mesh.faceGroups[$0] == bodyGroup }
        for f in body where centre(f).x > 0 {
            let b = weights.dominantBone(of: mesh.faces[f], boneCount: rig.bones.count)
            let c = centre(f), axis = tailAt[b] - headAt[b]
            let t = ((c - headAt[b]) * axis).sum() / max((axis * axis).sum(), 1e-12)
            left[f] = BodyPartRules.leftLabel(bone: rig.bones[b].name, t: t, centre: c, levels: levels)
        }
        var labels = left
        for f in body where centre(f).x < 0 { labels[f] = left[try mirrorFace(f)]?.opposite }
        // Helpers: the nearest body face's label (a 4 cm grid over body face centres).
        let cell = 0.04
        func key(_ p: SIMD3<Double>) -> SIMD3<Int32> {
            SIMD3(Int32((p.x / cell).rounded(.down)), Int32((p.y / cell).rounded(.down)), Int32((p.z / cell).rounded(.down)))
        }
        var grid: [SIMD3<Int32>: [(SIMD3<Double>, Int)]] = [:]
        for f in body { grid[key(centre(f)), default: []].append((centre(f), f)) }
        let helpers = drawn.subtracting(body)
        var helperLeft: [Int: RenderLabel] = [:]
        for f in helpers where centre(f).x > 0 {
            let c = centre(f), k = key(c)
            var best = Double.infinity, bestFace = -1
            var ring: Int32 = 0
            while bestFace < 0 || Double(ring - 1) * cell < best.squareRoot() {
                for dx in -ring...ring {
                    for dy in -ring...ring {
                        for dz in -ring...ring where max(abs(dx), abs(dy), abs(dz)) == ring {
                            for (p, g) in grid[k &+ SIMD3(dx, dy, dz)] ?? [] {
                                let d = ((p - c) * (p - c)).sum()
                                if d < best { (best, bestFace) = (d, g) }
                            }
                        }
                    }
                }
                ring += 1
                if ring > 50 { break }
            }
            helperLeft[f] = labels[bestFace] ?? .background
        }
        for (f, l) in helperLeft { labels[f] = l }
        for f in helpers where centre(f).x < 0 { labels[f] = helperLeft[try mirrorFace(f)]?.opposite }
        return labels
    }

    /// The base mesh morphed to `shape` and scaled to its height, with the rig's joints placed on it.
    public func shaped(_ shape: BodyShape) -> ShapedBody {
        var positions = rest
        for (name, w) in shape.targetWeights {
            targets[name]?.apply(weight: Float(w * Self.unit), to: &positions)
        }
        // Uniform scale about the soles to the drawn height (body vertices only).
        var lo = Float.infinity, hi = -Float.infinity
        for p in positions[bodyVertices] {
            lo = min(lo, p.y)
            hi = max(hi, p.y)
        }
        let s = Float(shape.height) / max(hi - lo, 0.1)
        let floor = SIMD3<Float>(0, lo, 0)
        positions = positions.map { floor + ($0 - floor) * s }
        func mean(_ list: [Int32]) -> SIMD3<Double> {
            list.reduce(SIMD3<Double>.zero) { $0 + SIMD3<Double>(positions[Int($1)]) } / Double(list.count)
        }
        return ShapedBody(
            shape: shape, positions: positions, heads: headCubes.map(mean), tails: tailCubes.map(mean), floor: Double(lo))
    }
}
