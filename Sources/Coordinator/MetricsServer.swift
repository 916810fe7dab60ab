import Foundation

/// Serves `GET /metrics` over plain HTTP/1.0 on its own thread, one short connection at a time:
/// all Prometheus needs. Written by hand rather than with hummingbird and swift-nio, which would
/// add minutes to every clean build for one read-only page (docs/cluster.md measures it).
public final class MetricsServer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let metrics: CoordinatorMetrics
    private var thread: Thread?
    private let lock = NSLock()
    private var stopped = false

    /// Listens on `host`:`port` (port 0: a free one, read from `port`).
    public init(host: String, port: Int, metrics: CoordinatorMetrics) throws {
        self.metrics = metrics
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw JobFailure(message: "metrics: cannot open a socket (\(String(cString: strerror(errno))))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = host == "*" || host == "0.0.0.0" ? INADDR_ANY : inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw JobFailure(message: "metrics: cannot listen on \(host):\(port) (\(reason)); pick another --metrics-port")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        listener = fd
        let thread = Thread { [weak self] in self?.serve() }
        thread.name = "canopy-metrics"
        self.thread = thread
        thread.start()
    }

    deinit { stop() }

    /// Stops listening; the serving thread ends.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return  // the listener was closed
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var request = [UInt8](repeating: 0, count: 4096)
            let n = read(client, &request, request.count)
            let line = n > 0 ? String(decoding: request[0..<n], as: UTF8.self).split(separator: "\r\n").first ?? "" : ""
            let parts = line.split(separator: " ")
            let response: String
            if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
                let body = metrics.exposition()
                response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            } else {
                let body = "canopy serves only GET /metrics\n"
                response = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            }
            let bytes = Array(response.utf8)
            var sent = 0
            while sent < bytes.count {
                let k = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                if k <= 0 { break }
                sent += k
            }
            close(client)
        }
    }
}
