import Testing

@testable import Worker

@Suite struct SubtreeHandoffTests {
    /// Bins go uncompressed only to a target whose endpoint names this worker's host.
    @Test func theHostOfAnEndpointDecidesWhetherBinsAreCompressed() {
        #expect(SubtreeHandoff.host(of: "tcp://127.0.0.1:41234") == "127.0.0.1")
        #expect(SubtreeHandoff.host(of: "tcp://node-3.cluster:5555") == "node-3.cluster")
        #expect(SubtreeHandoff.host(of: "node-3:5555") == "node-3")
        let handoff = SubtreeHandoff(me: "w1", endpoint: "tcp://10.0.0.2:40000")
        #expect(handoff.host == SubtreeHandoff.host(of: "tcp://10.0.0.2:40001"))
        #expect(handoff.host != SubtreeHandoff.host(of: "tcp://10.0.0.3:40000"))
    }

    /// Received bins and labels are checked against the bin and label counts before use.
    @Test func bytesAtOrAboveTheLimitAreCaught() {
        #expect(SubtreeHandoff.below(50, [UInt8](repeating: 49, count: 1000)))
        var bytes = [UInt8](repeating: 3, count: 1000)
        bytes[777] = 50
        #expect(!SubtreeHandoff.below(50, bytes))
        #expect(SubtreeHandoff.below(1, []))
    }
}
