import ArgumentParser
import WireProtocol

/// How `status` and `fetch` reach a coordinator: its endpoint, how long to wait, and the keys.
struct ClientOptions: ParsableArguments {
    @Option(help: "The coordinator's endpoint.") var coordinator: String
    @Option(help: "Seconds to wait for the answer (default: 10 for status, 60 for fetch).") var timeout: Int?
    @OptionGroup var security: SecurityOptions

    func validate() throws {
        if let timeout, !(1...86_400).contains(timeout) {
            throw ValidationError("--timeout must be 1...86400 s, got \(timeout)")
        }
        try checkEndpoint(coordinator, option: "--coordinator")
    }

    /// A client of the coordinator, waiting `timeout` seconds or else `defaultSeconds`.
    func client(defaultSeconds: Int) throws -> CoordinatorClient {
        try CoordinatorClient(
            endpoint: coordinator, timeoutMs: (timeout ?? defaultSeconds) * 1000,
            configure: try security.client(try security.config()).apply)
    }
}
