import Foundation

/// Errors of a status or fetch request; one line each.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    case noAnswer(endpoint: String, seconds: Int)
    case refused(String)
    case unexpected(String)

    public var description: String {
        switch self {
        case let .noAnswer(endpoint, seconds):
            return
                "no answer from a coordinator at \(endpoint) within \(seconds) s; check the address, that it is running, and that it allows this key (its log names refused keys)"
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

    /// A finished job's files (name, bytes), or the coordinator's reason why not. Files come in
    /// chunks of at most 64 MiB, each in its own request, so a forest of any size fits the frame limit.
    public func fetch(job: String) throws -> (files: [(String, [UInt8])], message: String, finished: Bool) {
        let listing = try fetchReply(job: job, file: "", offset: 0)
        let r = listing.reply
        guard r.finished else { return ([], r.message, false) }
        guard r.files.count == r.sizes.count else { throw ClientError.unexpected("\(r.files.count) names for \(r.sizes.count) sizes") }
        var files: [(String, [UInt8])] = []
        for (name, size) in zip(r.files, r.sizes) {
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { throw ClientError.unexpected("file name \"\(name)\"") }
            guard size <= UInt64(Int.max) else { throw ClientError.unexpected("\(name) of \(size) bytes") }
            var bytes = [UInt8]()
            while UInt64(bytes.count) < size {
                let chunk = try fetchReply(job: job, file: name, offset: UInt64(bytes.count))
                guard chunk.reply.finished, chunk.reply.offset == UInt64(bytes.count), let part = chunk.bulk.first,
                    !part.isEmpty, UInt64(bytes.count + part.count) <= size
                else {
                    throw ClientError.unexpected("chunk of \(name) at \(bytes.count): \(chunk.reply.message)")
                }
                bytes += part
            }
            files.append((name, bytes))
        }
        return (files, r.message, true)
    }

    func fetchReply(job: String, file: String, offset: UInt64) throws -> (reply: Canopy_Wire_FetchReply, bulk: [[UInt8]]) {
        var e = Canopy_Wire_Envelope()
        var f = Canopy_Wire_FetchRequest()
        f.job = job
        f.file = file
        f.offset = offset
        e.fetchRequest = f
        let reply = try ask(e)
        guard case .fetchReply(let r) = reply.envelope.body else { throw ClientError.unexpected("not a fetch reply") }
        return (r, reply.bulk)
    }
}
