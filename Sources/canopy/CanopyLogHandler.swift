import ArgumentParser
import Foundation
import Logging

/// How canopy's log lines look: `2026-12-02T08:41:00.123Z info coordinator: worker w1 joined ... [job=demo]`,
/// ISO 8601 UTC timestamps, one line each, to standard output and, where asked, appended to a file.
struct CanopyLogHandler: LogHandler {
    /// Where lines go; shared by every logger of the process.
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private let file: FileHandle?
        private let formatter: ISO8601DateFormatter = {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return f
        }()

        init(file path: String?) throws {
            guard let path else {
                file = nil
                return
            }
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw CommandFailure("\(path): cannot write the log file; check that its folder exists and is writable")
                }
            }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CommandFailure("\(path): cannot write the log file; check that its folder exists and is writable")
            }
            handle.seekToEndOfFile()
            file = handle
        }

        func write(_ level: Logger.Level, _ label: String, _ message: String, _ metadata: Logger.Metadata) {
            lock.lock()
            defer { lock.unlock() }
            let tags = metadata.isEmpty ? "" : " [" + metadata.keys.sorted().map { "\($0)=\(metadata[$0]!)" }.joined(separator: " ") + "]"
            let line = "\(formatter.string(from: Date())) \(level) \(label): \(message)\(tags)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            file?.write(Data(line.utf8))
        }
    }

    let label: String
    let sink: Sink
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        sink.write(event.level, label, "\(event.message)", all)
    }

    /// Sends every logger of this process through one sink, at `level` and above.
    static func bootstrap(level: Logger.Level, file: String?) throws {
        let sink = try Sink(file: file)
        LoggingSystem.bootstrap { label in CanopyLogHandler(label: label, sink: sink, logLevel: level) }
    }
}

/// `--log-level` and `--log-file`, for the commands that log (coordinator, worker, train).
struct LoggingOptions: ParsableArguments {
    @Option(help: "Least severe log lines shown: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?
    @Option(help: "Also append log lines to this file.") var logFile: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical")
        }
    }

    /// The level asked for, else `default`.
    func level(default: Logger.Level) -> Logger.Level { logLevel.flatMap(Logger.Level.init(rawValue:)) ?? `default` }

    /// Sets up logging for this process; `defaultLevel` where `--log-level` is not given.
    func bootstrap(defaultLevel: Logger.Level) throws {
        try CanopyLogHandler.bootstrap(level: level(default: defaultLevel), file: logFile)
    }
}
