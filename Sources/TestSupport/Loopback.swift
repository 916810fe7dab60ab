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
}
