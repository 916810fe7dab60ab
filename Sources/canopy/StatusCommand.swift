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

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a coordinator's jobs and workers.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print the raw JSON status.") var json = false

    func run() throws {
        let text = try client.client(defaultSeconds: 10).status()
        if json {
            print(text)
            return
        }
        let status = try JSON.parse(text)
        for j in status["jobs"]?.arrayValue ?? [] {
            var line =
                "job \(j["name"]?.stringValue ?? "?"): \(j["state"]?.stringValue ?? "?"), level \(j["level"]?.intValue ?? 0)"
                + " of \(j["max_depth"]?.intValue ?? 0), nodes \(j["nodes_done"]?.intValue ?? 0)/\(j["nodes_at_level"]?.intValue ?? 0) at this level"
            if let pps = j["pixels_per_second"]?.doubleValue { line += String(format: ", %.0f pixels/s", pps) }
            if let eta = j["eta_seconds"]?.doubleValue { line += String(format: ", ETA %.0f s", eta) }
            if let l = j["resumed_at_level"]?.intValue { line += ", resumed at level \(l)" }
            if let n = j["workers_lost"]?.intValue { line += ", \(n) worker(s) lost" }
            if let n = j["level_restarts"]?.intValue { line += ", \(n) level restart(s)" }
            if let e = j["error"]?.stringValue { line += ", error: \(e)" }
            print(line)
            for (t, n) in (j["decided_per_tree"]?.arrayValue ?? []).enumerated() {
                print("  tree \(t): \(n.intValue ?? 0) nodes decided")
            }
        }
        for w in status["workers"]?.arrayValue ?? [] {
            print(
                "worker \(w["id"]?.stringValue ?? "?") on \(w["host"]?.stringValue ?? "?"): \(w["threads"]?.intValue ?? 0) threads, "
                    + "\(w["frames"]?.intValue ?? 0) frames" + ((w["ready"]?.boolValue ?? false) ? ", ready" : ""))
        }
    }
}
