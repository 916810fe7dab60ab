import Foundation
import Testing

/// README.md's two commands: `scripts/test` is what CI runs (.ci/run), and it runs `scripts/demo` as its
/// last step (outside `swift test`, whose build lock a nested `swift build` would wait on forever).
@Suite struct ReadmeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func readmeNamesExactlyTheTwoCommandsAndTheyExist() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let commands = readme.split(separator: "\n").filter { $0.hasPrefix("    scripts/") }
            .map { String($0.dropFirst(4).split(separator: " ")[0]) }
        #expect(commands == ["scripts/demo", "scripts/test"])
        for c in commands { #expect(FileManager.default.isExecutableFile(atPath: Self.root + "/" + c)) }
        let ci = try String(contentsOfFile: Self.root + "/.ci/run", encoding: .utf8)
        #expect(ci.contains("scripts/test"))
    }
}
