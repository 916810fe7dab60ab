import Testing

@Suite struct CLITests {
    /// DESIGN §1's subcommands, all of which `canopy --help` must list.
    static let subcommands = [
        "render", "preprocess", "index", "train", "coordinator", "worker", "status", "fetch", "eval", "infer",
        "export", "train-joints", "bench", "keys",
    ]

    @Test func helpListsEverySubcommand() throws {
        let result = try CanopyBinary().run(["--help"])
        #expect(result.status == 0)
        let listed = Set(result.stdout.split(separator: "\n").compactMap { line -> String? in
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
