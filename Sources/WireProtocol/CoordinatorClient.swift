import Foundation

/// Errors of a status or fetch request; one line each.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    case noAnswer(endpoint: String, seconds: Int)
    case refused(String)
    case unexpected(String)

    public var description: String {
        switch self {
        case let .noAnswer(endpoint, seconds):
            return "no answer from a coordinator at \(endpoint) within \(seconds) s; check the address, that it is running, and that it allows this key (its log names refused keys)"
        case .refused(let why): return "the coordinator refused the request: \(why)"
        case .unexpected(let what): return "unexpected answer from the coordinator: \(what)"
        }
    }
}

/// A `canopy status` / `canopy fetch` client: one DEALER socket, one request at a time.
public final class CoordinatorClient {
    let endpoint: String
    let socket: ZMQSocket
    let timeoutMs: Int

    public init(endpoint: String, timeoutMs: Int = 10_000, configure: (ZMQSocket) throws -> Void = { _ in }) throws {
        self.endpoint = endpoint
        self.timeoutMs = timeoutMs
        socket = try ZMQSocket(try ZMQContext(), .dealer)
        try socket.setMaxMessageSize(Int64(WireCodec.maxFrameBytes))
        try configure(socket)
        try socket.connect(endpoint)
    }

    func ask(_ envelope: Canopy_Wire_Envelope) throws -> WireMessage {
        try socket.send(WireMessage(envelope))
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMs) * 1_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard let frames = try socket.receive(timeoutMs: 50) else { continue }
            let message = try WireCodec.decode(frames[...])
            switch message.envelope.body {
            case .heartbeat, .welcome: continue
            case .refused(let r): throw ClientError.refused(r.reason)
            default: return message
            }
        }
        throw ClientError.noAnswer(endpoint: endpoint, seconds: timeoutMs / 1000)
    }

    /// The coordinator's status document (jobs and workers) as JSON text.
    public func status() throws -> String {
        var e = Canopy_Wire_Envelope()
        e.statusRequest = Canopy_Wire_StatusRequest()
        guard case .statusReply(let r) = try ask(e).envelope.body else { throw ClientError.unexpected("not a status reply") }
        return r.json
    }

    /// A finished job's files (name, bytes), or the coordinator's reason why not.
    public func fetch(job: String) throws -> (files: [(String, [UInt8])], message: String, finished: Bool) {
        var e = Canopy_Wire_Envelope()
        var f = Canopy_Wire_FetchRequest()
        f.job = job
        e.fetchRequest = f
        let reply = try ask(e)
        guard case .fetchReply(let r) = reply.envelope.body else { throw ClientError.unexpected("not a fetch reply") }
        guard r.finished else { return ([], r.message, false) }
        guard r.files.count == reply.bulk.count else { throw ClientError.unexpected("\(r.files.count) names for \(reply.bulk.count) files") }
        for name in r.files where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw ClientError.unexpected("file name \"\(name)\"")
        }
        return (Array(zip(r.files, reply.bulk)), r.message, true)
    }
}
