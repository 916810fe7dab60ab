import Foundation
import TestSupport
import Testing

@testable import Coordinator

/// The metrics page: Prometheus's text format, served over HTTP/1.0 on a free port.
@Suite struct MetricsServerTests {
    func get(_ port: Int, _ path: String) throws -> String {
        try #require(Loopback.httpGet(port: UInt16(port), path: path))
    }

    @Test func thePageShowsEachJobsFiguresWithEscapedNames() throws {
        let metrics = CoordinatorMetrics()
        var job = CoordinatorMetrics.Job(name: #"a "quoted" job"#, state: "training")
        job.level = 7
        job.bytesReceived = 1234
        metrics.update(jobs: [job], workers: 3, ready: 2)
        let server = try MetricsServer(host: "127.0.0.1", port: 0, metrics: metrics)
        defer { server.stop() }
        #expect(server.port > 0)
        let page = try get(server.port, "/metrics")
        #expect(page.hasPrefix("HTTP/1.0 200 OK"), "\(page)")
        #expect(page.contains("canopy_workers 3\n") && page.contains("canopy_workers_ready 2\n"))
        #expect(page.contains(#"canopy_job_level{job="a \"quoted\" job"} 7"#), "\(page)")
        #expect(page.contains(#"canopy_job_state{job="a \"quoted\" job",state="training"} 1"#))
        #expect(page.contains(#"canopy_job_state{job="a \"quoted\" job",state="queued"} 0"#))
        #expect(page.contains("# TYPE canopy_job_bytes_received_total counter"))
        #expect(try get(server.port, "/other").hasPrefix("HTTP/1.0 404"))
        server.stop()
        server.stop()  // idempotent
    }
}
