import Foundation

/// A progress line with an ETA on standard error, at most one every few seconds: "render:
/// 120/300 frames (40%), 35 frames/s, ETA 5 s". Quiet when standard error is not a terminal
/// (logs, Slurm output files) unless `--progress` asks for it.
final class ProgressMeter {
    let label: String
    let unit: String
    let enabled: Bool
    let interval: TimeInterval
    private let start = Date()
    private var last: Date?

    init(_ label: String, unit: String, force: Bool, interval: TimeInterval = 3) {
        self.label = label
        self.unit = unit
        enabled = force || isatty(STDERR_FILENO) != 0
        self.interval = interval
    }

    /// Reports `done` of `total`, if a line is due.
    func update(_ done: Int, of total: Int) {
        guard enabled, done > 0, total > 0 else { return }
        let now = Date()
        if let last, now.timeIntervalSince(last) < interval, done < total { return }
        last = now
        FileHandle.standardError.write(
            Data((Self.line(label, unit, done: done, total: total, seconds: now.timeIntervalSince(start)) + "\n").utf8))
    }

    /// The line for `done` of `total` after `seconds`.
    static func line(_ label: String, _ unit: String, done: Int, total: Int, seconds: Double) -> String {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return String(
            format: "%@: %d/%d %@ (%.0f%%), %.1f %@/s, ETA %@", label, done, total, unit, 100 * Double(done) / Double(total), rate, unit,
            duration(eta))
    }

    /// "42 s", "3 min 5 s", "2 h 10 min".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}
