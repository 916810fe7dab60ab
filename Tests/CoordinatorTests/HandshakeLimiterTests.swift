import TestSupport
import Testing

@testable import Coordinator

/// The cap on connections in their handshake, on a fake clock.
@Suite struct HandshakeLimiterTests {
    @Test func connectionsBeyondTheCapAreShedUntilHandshakesEndOrTimeOut() {
        var clock = FakeClock()
        var limiter = HandshakeLimiter(cap: 3, windowMs: 5_000)
        for fd in Int32(10)..<13 { #expect(limiter.on(.accepted(fd: fd), now: clock.now) == nil) }
        #expect(limiter.pending == 3)
        #expect(limiter.on(.accepted(fd: 13), now: clock.now) == 13, "the fourth is shed")
        #expect(limiter.shed == 1 && limiter.pending == 3)
        _ = limiter.on(.ended, now: clock.now)
        #expect(limiter.on(.accepted(fd: 14), now: clock.now) == nil, "a handshake ended: room for one")
        #expect(limiter.on(.accepted(fd: 15), now: clock.now) == 15)
        clock.advance(ms: 5_001)
        #expect(limiter.on(.accepted(fd: 16), now: clock.now) == nil, "handshakes older than the interval are over either way")
        #expect(limiter.pending == 1 && limiter.shed == 2)
    }
}
