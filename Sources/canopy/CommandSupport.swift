import ArgumentParser
import CSupport
import Coordinator
import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Training
import WireProtocol
import Worker

/// One progress line per level.
func levelLine(_ job: String, _ r: LevelRecord) -> String {
    String(
        format: "%@ level %2d: %5d open, %5d splits, %5d leaves, %9d pixels, histograms %d counted + %d derived, gain max %.3f, %.2f s",
        job, r.level, r.openNodes, r.splits, r.leaves, r.pixels, r.histogramsComputed, r.histogramsDerived, r.maxGain,
        r.seconds)
}

/// This process's peak resident set size in bytes: VmHWM of /proc/self/status (ru_maxrss is no
/// good here: Linux carries it across exec, so a spawned worker would report its parent's peak).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kib * 1024
}

/// The path of the running canopy binary (for spawning workers).
func selfExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// A tcp://HOST:PORT endpoint with PORT 1...65535 or `*`: refused, never taken modulo 65536.
func checkEndpoint(_ endpoint: String, option: String) throws {
    guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 5)
    else { throw ValidationError("\(option) \(endpoint): expected tcp://HOST:PORT") }
    let port = endpoint[endpoint.index(after: colon)...]
    guard port == "*" || (Int(port).map { (1...65535).contains($0) } ?? false) else {
        throw ValidationError("\(option) \(endpoint): the port must be 1...65535 or *")
    }
}
