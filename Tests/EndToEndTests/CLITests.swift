import Testing

@Suite struct CLITests {
    /// The documented subcommands, all of which `canopy --help` must list.
    static let subcommands = [
        "render", "preprocess", "index", "train", "coordinator", "worker", "status", "fetch", "eval", "infer",
        "export", "train-joints", "bench", "keys", "show", "report", "cluster",
    ]

    @Test func helpListsEverySubcommand() throws {
        let result = try CanopyBinary().run(["--help"])
        #expect(result.status == 0)
        let listed = Set(
            result.stdout.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                return line.hasPrefix("  ") ? words.first.map(String.init) : nil
            })
        for name in Self.subcommands {
            #expect(listed.contains(name), "canopy --help does not list \(name)")
        }
    }

    @Test func unknownSubcommandFails() throws {
        let result = try CanopyBinary().run(["no-such-command"])
        #expect(result.status != 0)
    }
}

/// Counts and durations out of range are refused at the command line with a line naming the
/// option, never clamped and never a trap.
@Suite struct CLIRangeTests {
    @Test(arguments: [
        (["train", "--data", "d", "--job", "j", "--workers=-1"], "--workers must be >= 0"),
        (["train", "--data", "d", "--job", "j", "--threads=-3"], "--threads must be >= 1"),
        (["worker", "--coordinator", "tcp://127.0.0.1:1", "--threads", "0"], "--threads must be >= 1"),
        (["coordinator", "--jobs", "j", "--worker-timeout", "0.3"], "--worker-timeout must be at least 2 heartbeats"),
        (["coordinator", "--jobs", "j", "--min-workers", "0"], "--min-workers must be >= 1"),
        (["render", "--out", "o", "--every", "0"], "--every must be >= 1"),
        (["coordinator", "--jobs", "j", "--bind", "tcp://127.0.0.1:99999"], "the port must be 1...65535"),
        (["export", "t.json", "t.txt"], "must end in .json or .rdt"),
        (["preprocess", "r", "d", "--label-map", "m", "--frames-per-shard", "0"], "--frames-per-shard must be 1...1000000"),
        (["status", "--coordinator", "tcp://127.0.0.1:1", "--timeout", "0"], "--timeout must be 1...86400"),
        (["bench", "kernel", "--block-bytes", "0"], "--block-bytes must be >= 1"),
        (["bench", "kernel", "--tile", "8"], "--tile must be >= 16"),
    ])
    func outOfRangeIsRefusedNamingTheOption(arguments: [String], message: String) throws {
        let r = try CanopyBinary().run(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Signal"), "\(r.stderr)")
    }
}
