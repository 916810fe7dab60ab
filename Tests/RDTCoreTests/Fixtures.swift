import Foundation

/// Paths of files kept in the repository (reference/glimpse holds glimpse's real configuration files).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "canopy-rdt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
