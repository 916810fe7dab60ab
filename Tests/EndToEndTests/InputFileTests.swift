import Foundation
import RDTCore
import Testing

/// Every kind of input file a user writes: a mistake in it is one line on stderr naming the file
/// and the key, before any work is done.
@Suite struct InputFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Writes `text` as FILE in a fresh folder, runs canopy with `arguments` (FILE and DIR replaced)
    /// and returns stderr after checking it is one line naming the file and `key`.
    func refusal(file: String, _ text: String, _ arguments: [String], key: String) throws {
        let dir = NSTemporaryDirectory() + "canopy-input-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + file
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CanopyBinary().run(
            arguments.map { $0.replacingOccurrences(of: "FILE", with: path).replacingOccurrences(of: "DIR", with: dir) })
        let lines = r.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(r.status != 0, "\(arguments): accepted")
        #expect(lines.count == 1 && r.stderr.contains(path) && r.stderr.contains("\"\(key)\""), "\(arguments): \(r.stderr)")
    }

    @Test func aTypoInAJobIsOneLineNamingFileAndKey() throws {
        try refusal(file: "job.json", #"{"max_dpth": 3}"#, ["train", "--data", "DIR", "--job", "FILE", "--workers", "0"], key: "max_dpth")
        try refusal(file: "job.json", #"{"max_nodes": 100}"#, ["train", "--data", "DIR", "--job", "FILE"], key: "max_nodes")
    }

    @Test func aTypoInAPreprocessorConfigIsOneLine() throws {
        let map = Self.root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"
        try refusal(
            file: "pp.json", #"{"properties": {"no_flp": true}}"#,
            ["preprocess", "DIR/raw", "DIR/data", "--label-map", map, "--config", "FILE"], key: "no_flp")
    }

    @Test func anUnsupportedRenderKeyIsOneLine() throws {
        try refusal(
            file: "render.json", #"{"camera": {}, "filters": {"clothes_whitelist": ["m_hat_02"]}}"#,
            ["render", "--out", "DIR/raw", "--config", "FILE"], key: "clothes_whitelist")
    }

    @Test func aTypoInAClusterConfigIsOneLine() throws {
        try refusal(file: "c.json", #"{"coordinator_prot": 5555}"#, ["cluster", "FILE"], key: "coordinator_prot")
    }

    @Test func versionNamesTheReleaseAndCommit() throws {
        let r = try CanopyBinary().run(["--version"])
        #expect(r.status == 0 && r.stdout.hasPrefix("canopy ") && r.stdout.contains(CanopyVersion.number), "\(r.stdout)")
    }
}

/// Outputs that cannot be written fail at once, in one line naming the path, not after the work.
@Suite struct UnwritableOutputTests {
    @Test func anUnwritableForestFolderFailsBeforeTraining() throws {
        let dir = NSTemporaryDirectory() + "canopy-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not a folder".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        for workers in ["0", "2"] {
            let r = try CanopyBinary().run([
                "train", "--data", dir + "/nothing", "--job", dir + "/nothing.json", "--workers", workers, "--out", dir + "/file/forests",
            ])
            let lines = r.stderr.split(separator: "\n").filter { !$0.isEmpty }
            #expect(
                r.status != 0 && lines.count == 1 && r.stderr.contains(dir + "/file/forests") && r.stderr.contains("cannot write"),
                "\(r.stderr)")
        }
    }
}
