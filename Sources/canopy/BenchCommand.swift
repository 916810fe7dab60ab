import ArgumentParser
import Foundation
import RDTCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that print numbers (use a release build).",
        subcommands: [
            BenchKernel.self, BenchInfer.self, BenchPreprocess.self, BenchTrain.self, BenchDeep.self, BenchRender.self, BenchScale.self,
        ])
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}
