import Testing

@testable import Worker

@Suite struct TrafficTests {
    @Test func bytesAddUpInTotalAndByLevel() {
        var t = TrainingWorker.Traffic()
        t.add(100, 0, level: -1)
        t.add(40, 1, level: 0)
        t.add(7, 2, level: 0)
        t.add(5, 3, level: 2)
        t.add(1, 0, level: 2)
        #expect(t.coordinatorIn == 101 && t.coordinatorOut == 40 && t.peersIn == 7 && t.peersOut == 5)
        #expect(t.byLevel[0] == [0, 40, 7, 0] && t.byLevel[2] == [1, 0, 0, 5] && t.byLevel[-1] == [100, 0, 0, 0])
        #expect(t.lines.first == "traffic: coordinator in 101 out 40 bytes, peers in 7 out 5 bytes, busy 0.00 of 0.00 s")
        #expect(
            Array(t.lines.dropFirst()) == [
                "traffic level -1: coordinator in 100 out 0 bytes, peers in 0 out 0 bytes, busy 0.00 s",
                "traffic level 0: coordinator in 0 out 40 bytes, peers in 7 out 0 bytes, busy 0.00 s",
                "traffic level 2: coordinator in 1 out 0 bytes, peers in 0 out 5 bytes, busy 0.00 s",
            ])
        // Busy time has its own levels: a level with busy time and no bytes still gets its line.
        t.busyByLevel = [0: 1.5, 3: 0.25]
        #expect(
            Array(t.lines.dropFirst()) == [
                "traffic level -1: coordinator in 100 out 0 bytes, peers in 0 out 0 bytes, busy 0.00 s",
                "traffic level 0: coordinator in 0 out 40 bytes, peers in 7 out 0 bytes, busy 1.50 s",
                "traffic level 2: coordinator in 1 out 0 bytes, peers in 0 out 5 bytes, busy 0.00 s",
                "traffic level 3: coordinator in 0 out 0 bytes, peers in 0 out 0 bytes, busy 0.25 s",
            ])
    }
}
