import Foundation

/// Raw TCP connections to this machine, for tests that talk to a server below ZeroMQ.
public enum Loopback {
    /// A socket connecting to 127.0.0.1:`port` (non-blocking: the connect may still be in
    /// progress), and whether the connect succeeded or is under way; nil if no socket was left.
    public static func connect(port: UInt16, nonBlocking: Bool = false) -> (fd: Int32, ok: Bool)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return (fd, result == 0 || (nonBlocking && errno == EINPROGRESS))
    }

    /// A plain HTTP/1.0 GET of `path` on 127.0.0.1:`port`: the whole response, or nil when
    /// nothing answers.
    public static func httpGet(port: UInt16, path: String) -> String? {
        guard let (fd, ok) = connect(port: port) else { return nil }
        defer { close(fd) }
        guard ok else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }
}
