import CZeroMQ
import Testing

@testable import WireProtocol

@Suite struct ZMQSmokeTests {
    @Test func libzmqIsBuiltWithCurve() {
        #expect(zmqHas("curve"))
    }

    @Test func dealerAndRouterExchangeOverLoopbackTCP() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context, .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))

        let dealer = try ZMQSocket(context, .dealer)
        try dealer.connect(endpoint)
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }
        try dealer.send([[1, 2, 3], payload])

        let request = try #require(try router.receive(timeoutMs: 5000))
        // ROUTER prefixes the peer's routing identity.
        #expect(request.count == 3)
        #expect(request[1] == [1, 2, 3] && request[2] == payload)
        try router.send([request[0], Array("pong".utf8)])
        let reply = try #require(try dealer.receive(timeoutMs: 5000))
        #expect(reply == [Array("pong".utf8)])
        #expect(try dealer.receive(timeoutMs: 10) == nil)
    }

    @Test func oversizedMessagesAreRefused() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context, .router)
        try router.setMaxMessageSize(1000)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try ZMQSocket(context, .dealer)
        try dealer.connect(try router.lastEndpoint())
        try dealer.send([[UInt8](repeating: 1, count: 5000)])
        #expect(try router.receive(timeoutMs: 300) == nil)
    }
}
