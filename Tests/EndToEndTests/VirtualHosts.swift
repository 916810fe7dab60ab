import Foundation

/// Hosts made of Linux network namespaces, for the multi-host suite: a bridge in this namespace
/// (10.77.0.1/24) and per host a namespace joined to it by a veth pair, its end in the namespace at
/// 10.77.0.(10 + k) with 1 ms of netem delay where the kernel has netem (`delayed` says whether it
/// did). Everything is removed by `remove()`, and by `init` when it fails half-way.
final class VirtualHosts {
    let tag: String
    let bridge: String
    private(set) var namespaces: [String] = []
    /// Whether the links got their netem delay.
    private(set) var delayed = true

    /// Whether namespaces can be made here (root, `ip netns` and veth links work).
    static let available: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else { return false }
        let probe = "cnpprobe\(getpid() % 100_000)"
        guard (try? run(["netns", "add", probe]))?.status == 0 else { return false }
        _ = try? run(["netns", "del", probe])
        return true
    }()

    @discardableResult
    static func run(_ args: [String], tool: String = "/usr/sbin/ip") throws -> (status: Int32, output: String) {
        let r = try CanopyBinary.runProcess(tool, args)
        return (r.status, r.stdout + r.stderr)
    }

    func must(_ args: [String], tool: String = "/usr/sbin/ip") throws {
        let r = try Self.run(args, tool: tool)
        guard r.status == 0 else { throw VirtualHostError(command: ([tool] + args).joined(separator: " "), output: r.output) }
    }

    struct VirtualHostError: Error, CustomStringConvertible {
        let command: String, output: String
        var description: String { "\(command): \(output)" }
    }

    init(count: Int) throws {
        tag = String(getpid() % 10_000)
        bridge = "cnb\(tag)"
        do { try build(count) } catch {
            remove()
            throw error
        }
    }

    private func build(_ count: Int) throws {
        try must(["link", "add", bridge, "type", "bridge"])
        try must(["addr", "add", "10.77.0.1/24", "dev", bridge])
        try must(["link", "set", bridge, "up"])
        for k in 0..<count {
            let ns = "cnp\(tag)h\(k)", outside = "cv\(tag)x\(k)", inside = "cv\(tag)y\(k)"
            try must(["netns", "add", ns])
            namespaces.append(ns)
            try must(["link", "add", outside, "type", "veth", "peer", "name", inside])
            try must(["link", "set", inside, "netns", ns])
            try must(["link", "set", outside, "master", bridge])
            try must(["link", "set", outside, "up"])
            try must(["netns", "exec", ns, "ip", "addr", "add", address(k) + "/24", "dev", inside])
            try must(["netns", "exec", ns, "ip", "link", "set", inside, "up"])
            try must(["netns", "exec", ns, "ip", "link", "set", "lo", "up"])
            // A kernel without netem (some VMs) gets no delay; the hops are real all the same.
            let netem = try Self.run(["netns", "exec", ns, "tc", "qdisc", "add", "dev", inside, "root", "netem", "delay", "1ms"])
            if netem.status != 0 { delayed = false }
        }
    }

    func address(_ host: Int) -> String { "10.77.0.\(10 + host)" }

    /// Starts `executable arguments` on host `host`, its output appended to `log`.
    func start(_ host: Int, _ executable: String, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", namespaces[host], executable] + arguments
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    func remove() {
        for ns in namespaces { _ = try? Self.run(["netns", "del", ns]) }
        _ = try? Self.run(["link", "del", bridge])
        namespaces = []
    }
}
