import Foundation

/// Which Canopy made a file: the release number, and the git commit of the checkout the running
/// binary was built in (read from its `.git` without running git), where there is one.
public enum CanopyVersion {
    public static let number = "0.9.0"

    /// The commit (abbreviated to 12 hex digits), or nil for a binary outside a checkout.
    public static let commit: String? = {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        // .build/<triple>/<config>/canopy or .build/<config>/canopy: look upwards for .git.
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<5 {
            dir = dir.deletingLastPathComponent()
            let git = dir.appendingPathComponent(".git").path
            if FileManager.default.fileExists(atPath: git) { return headCommit(gitDirectory: git) }
        }
        return nil
    }()

    /// "0.9.0 (commit 0123456789ab)", or "0.9.0" alone.
    public static var description: String { number + (commit.map { " (commit \($0))" } ?? "") }

    static func headCommit(gitDirectory git: String) -> String? {
        guard let head = try? String(contentsOfFile: git + "/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        var hash = head
        if head.hasPrefix("ref: ") {
            let ref = String(head.dropFirst(5))
            if let loose = try? String(contentsOfFile: git + "/" + ref, encoding: .utf8) {
                hash = loose.trimmingCharacters(in: .whitespacesAndNewlines)
            } else if let packed = try? String(contentsOfFile: git + "/packed-refs", encoding: .utf8),
                let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + ref) })
            {
                hash = String(line.prefix(40))
            } else {
                return nil
            }
        }
        guard hash.count >= 12, hash.allSatisfy(\.isHexDigit) else { return nil }
        return String(hash.prefix(12))
    }
}
