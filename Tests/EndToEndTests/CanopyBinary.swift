import Foundation

/// Runs the built `canopy` binary as a real process (CANOPY_BIN, else next to the test bundle).
struct CanopyBinary {
    let path: String

    init() throws {
        if let env = ProcessInfo.processInfo.environment["CANOPY_BIN"] {
            path = env
        } else {
            let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            var candidates = [bundleDir.appendingPathComponent("canopy").path]
            // Package root from this file: Tests/EndToEndTests/CanopyBinary.swift.
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            candidates.append(root.appendingPathComponent(".build/debug/canopy").path)
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw CanopyBinaryError(message: "canopy binary not found in \(candidates); run swift build first")
            }
            path = found
        }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs canopy with `arguments` and waits for it to exit.
    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        try Self.runProcess(path, arguments, environment: environment)
    }

    static func runProcess(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

struct CanopyBinaryError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
