import Foundation
import TestSupport
import Testing

@testable import ImagePipeline

/// The body asset readers on small files: what they read, and one line naming the file for a bad one.
@Suite struct MeshAssetReadersTests {
    func write(_ text: String, _ name: String, in dir: TemporaryDirectory) throws -> String {
        let path = dir.path + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func objFacesGroupsAndErrors() throws {
        let dir = try TemporaryDirectory()
        let good = try write(
            "# c\nv 0 0 0\nv 1 0 0\nv 1 1 0\r\nv 0 1 0\ng body\nvt 0 0\nf 1/1 2/1 3/1 4/1\ng other\nf 1 2 3\n", "a.obj", in: dir)
        let mesh = try OBJMesh(contentsOf: good)
        #expect(mesh.vertices.count == 4 && mesh.faces == [[0, 1, 2, 3], [0, 1, 2]])
        #expect(mesh.groups[Int(mesh.faceGroups[0])] == "body" && mesh.groups[Int(mesh.faceGroups[1])] == "other")
        for (text, what) in [
            ("v 0 0\n", "line 1: expected a vertex"), ("v 0 0 0\nf 1 2\n", "line 2: a face needs 3"),
            ("v 0 0 0\nf 1 1 9\n", "past the last"),
        ] {
            let path = try write(text, "bad.obj", in: dir)
            let e = refusal { _ = try OBJMesh(contentsOf: path) }
            #expect(e.contains(path) && e.contains(what) && e.contains("scripts/setup") && !e.contains("\n"), "\(e)")
        }
        #expect(refusal { _ = try OBJMesh(contentsOf: dir.path + "/none.obj") }.contains("run scripts/setup"))
    }

    @Test func rigPlacementsParentsAndMirror() throws {
        let dir = try TemporaryDirectory()
        func bone(_ parent: String, _ head: String, _ tail: String) -> String {
            #"{"parent": "\#(parent)", "head": \#(head), "tail": \#(tail)}"#
        }
        let cube = #"{"strategy": "CUBE", "cube_name": "joint-a"}"#, mean = #"{"strategy": "MEAN", "vertex_indices": [1, 2]}"#
        let rig = try MeshRig(
            contentsOf: try write(
                "{\"LeftArm\": \(bone("Hips", cube, mean)), \"Hips\": \(bone("", cube, cube)), \"RightArm\": \(bone("Hips", cube, mean))}",
                "rig.json", in: dir))
        #expect(rig.bones.map(\.name).sorted() == ["Hips", "LeftArm", "RightArm"] && rig.bones[0].name == "Hips")
        #expect(rig.bones.indices.allSatisfy { b in rig.bones[b].parent.map { $0 < b } ?? (b == 0) }, "parents first")
        let left = try #require(rig.index(of: "LeftArm")), right = try #require(rig.index(of: "RightArm"))
        #expect(rig.bones[left].tail == .mean([1, 2]) && rig.bones[0].head == .cube("joint-a"))
        #expect(rig.mirror(of: left) == right && rig.mirror(of: right) == left && rig.mirror(of: 0) == 0)
        let loop = try write("{\"A\": \(bone("B", cube, cube)), \"B\": \(bone("A", cube, cube))}", "loop.json", in: dir)
        #expect(refusal { _ = try MeshRig(contentsOf: loop) }.contains("loop"))
        let noPlace = try write("{\"A\": \(bone("", #"{"strategy": "VOODOO"}"#, cube))}", "bad.json", in: dir)
        #expect(refusal { _ = try MeshRig(contentsOf: noPlace) }.contains("bone A lacks"))
    }

    @Test func weightsAreNormalizedAndUnknownBonesRefused() throws {
        let dir = try TemporaryDirectory()
        let cube = #"{"strategy": "CUBE", "cube_name": "c"}"#
        let rig = try MeshRig(
            contentsOf: try write(
                "{\"Hips\": {\"parent\": \"\", \"head\": \(cube), \"tail\": \(cube)}, \"Spine\": {\"parent\": \"Hips\", \"head\": \(cube), \"tail\": \(cube)}}",
                "rig.json", in: dir))
        let w = try SkinWeights(
            contentsOf: try write(#"{"weights": {"Hips": [[0, 1.0], [1, 3.0]], "Spine": [[1, 1.0]]}}"#, "w.json", in: dir), rig: rig,
            vertexCount: 3)
        #expect(w.start == [0, 1, 3, 4] && w.bones == [0, 0, 1, 0], "vertex 2 has no weights: it follows the root")
        #expect(w.weights == [1, 0.75, 0.25, 1])
        let unknown = try write(#"{"weights": {"Tail": [[0, 1.0]]}}"#, "u.json", in: dir)
        #expect(refusal { _ = try SkinWeights(contentsOf: unknown, rig: rig, vertexCount: 3) }.contains("bone Tail, which the rig lacks"))
        let range = try write(#"{"weights": {"Hips": [[7, 1.0]]}}"#, "r.json", in: dir)
        #expect(refusal { _ = try SkinWeights(contentsOf: range, rig: rig, vertexCount: 3) }.contains("not [vertex, weight >= 0]"))
    }

    @Test func mirrorGroupsAndTargets() throws {
        let dir = try TemporaryDirectory()
        let mirror = try MirrorTable(contentsOf: try write("0 1 l\n1 0 r\n2 2 m\n", "m.mirror", in: dir), vertexCount: 3)
        #expect(mirror.mirror == [1, 0, 2])
        let short = try write("0 1 l\n", "short.mirror", in: dir)
        #expect(refusal { _ = try MirrorTable(contentsOf: short, vertexCount: 3) }.contains("1 mirror pairs for 3 vertices"))
        let groups = try VertexGroups(contentsOf: try write(#"{"body": [[0, 2]], "joint-a": [[4, 5], [7, 7]]}"#, "g.json", in: dir))
        #expect(groups.vertices("joint-a") == [4, 5, 7] && groups.vertices("none").isEmpty)
        let reversed = try write(#"{"body": [[3, 1]]}"#, "bad.json", in: dir)
        #expect(refusal { _ = try VertexGroups(contentsOf: reversed) }.contains("not [first, last]"))
        // A plain (uncompressed) file reads through zlib's gzip reader too.
        let target = try MorphTarget(contentsOf: try write("# comment\n1 .5 -1 2e-1\n", "t.target.gz", in: dir), vertexCount: 3)
        var positions = [SIMD3<Float>](repeating: .zero, count: 3)
        target.apply(weight: 2, to: &positions)
        #expect(positions[1] == SIMD3(1, -2, 0.4) && positions[0] == .zero)
        let bad = try write("1 .5 x 0\n", "b.target.gz", in: dir)
        #expect(refusal { _ = try MorphTarget(contentsOf: bad, vertexCount: 3) }.contains("line 1: expected \"vertex dx dy dz\""))
    }
}
