import Foundation
import RDTCore
import Training
import WireProtocol

/// What clients ask a coordinator: `status` (its jobs and workers as JSON) and `fetch` (a
/// finished job's files, listed with their sizes, then sent in chunks of at most 64 MiB per
/// request, so a forest of any size stays under the frame limit; docs/protocol.md).
enum StatusService {
    static func json(jobs: [JobRecord], pool: WorkerPool, now: Date = Date()) -> JSON {
        let jobList: [JSON] = jobs.map { r in
            var m: [(String, JSON)] = [
                ("name", .string(r.job.name)), ("state", .string(r.state.rawValue)),
                ("trees", .int(r.job.trees)), ("max_depth", .int(r.job.parameters.maxDepth)),
                ("level", .int(r.level)), ("nodes_done", .int(r.nodesDone)),
                ("nodes_at_level", .int(r.nodesAtLevel)),
                ("decided_per_tree", .array(r.decidedPerTree.map { JSON.int($0) })),
            ]
            if let elapsed = r.elapsed(now: now), let rate = r.pixelsPerSecond(now: now) {
                m.append(("elapsed_seconds", .double(elapsed.rounded())))
                m.append(("pixels_per_second", .double(rate.rounded())))
                if r.state == .training, r.level > 0 {
                    let eta = elapsed / Double(r.level) * Double(max(0, r.job.parameters.maxDepth - r.level))
                    m.append(("eta_seconds", .double(eta.rounded())))
                }
            }
            if r.workersLost > 0 { m.append(("workers_lost", .int(r.workersLost))) }
            if r.levelRestarts > 0 { m.append(("level_restarts", .int(r.levelRestarts))) }
            if let l = r.resumedAt { m.append(("resumed_at_level", .int(l))) }
            if let e = r.error { m.append(("error", .string(e))) }
            if !r.files.isEmpty { m.append(("files", .array(r.files.map { .string($0) }))) }
            return .object(m)
        }
        let workerList: [JSON] = pool.order.compactMap { pool.peers[$0] }.map { p in
            .object([
                ("id", .string(p.id)), ("host", .string(p.host)), ("pid", .int(p.pid)), ("threads", .int(p.threads)),
                ("frames", .int(pool.frames(of: p.identity).reduce(0) { $0 + $1.count })), ("ready", .bool(p.isReady)),
            ])
        }
        return .object([("jobs", .array(jobList)), ("workers", .array(workerList))])
    }

    /// Bytes of a file per fetch reply: a bulk frame stays far under the frame limit.
    static let fetchChunkBytes = 64 << 20

    /// A finished job's file list (names and sizes), or a chunk of one of its files.
    static func fetchReply(_ f: Canopy_Wire_FetchRequest, queue: JobQueue) -> WireMessage {
        let name = f.job
        var reply = Canopy_Wire_FetchReply()
        reply.job = name
        func answer(_ message: String) -> WireMessage {
            reply.message = message
            return Envelope.make { $0.fetchReply = reply }
        }
        guard let r = queue[name] else {
            return answer("no job named \(CoordinatorServer.clip(name)); jobs here: \(queue.names.joined(separator: ", "))")
        }
        guard r.state == .finished else {
            return answer(
                r.state == .failed
                    ? "job \(name) failed: \(r.error ?? "unknown error")"
                    : "job \(name) is not finished (\(r.state.rawValue), level \(r.level) of \(r.job.parameters.maxDepth)); fetch it when `canopy status` shows it finished"
            )
        }
        var sizes: [String: (path: String, size: UInt64)] = [:]
        // The forest and, where it is there, the job's report.json (timings, workers, bytes).
        let report = r.files.first.map { ForestFiles.report(in: URL(fileURLWithPath: $0).deletingLastPathComponent().path) }
        let paths = r.files + [report].compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        for path in paths {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let size = (attributes[.size] as? NSNumber)?.uint64Value
            else {
                return answer("job \(name): \(path) is missing on the coordinator")
            }
            let file = URL(fileURLWithPath: path).lastPathComponent
            reply.files.append(file)
            reply.sizes.append(size)
            sizes[file] = (path, size)
        }
        reply.finished = true
        guard !f.file.isEmpty else { return answer("\(paths.count) files") }
        // Only the job's own files, and only within them.
        guard let (path, size) = sizes[f.file], f.offset <= size else {
            reply.finished = false
            return answer("job \(name) has no file \(CoordinatorServer.clip(f.file)) of at least \(f.offset) bytes")
        }
        let length = Int(min(UInt64(Self.fetchChunkBytes), f.length == 0 ? UInt64.max : f.length, size - f.offset))
        guard let handle = FileHandle(forReadingAtPath: path) else { return answer("job \(name): cannot read \(path) on the coordinator") }
        defer { try? handle.close() }
        var bytes = [UInt8]()
        do {
            try handle.seek(toOffset: f.offset)
            bytes = [UInt8](try handle.read(upToCount: length) ?? Data())
        } catch {
            reply.finished = false
            return answer("job \(name): cannot read \(path) on the coordinator: \(error)")
        }
        reply.files = [f.file]
        reply.sizes = [size]
        reply.offset = f.offset
        reply.message = "\(bytes.count) bytes of \(f.file) from \(f.offset)"
        return WireMessage(Envelope.make { $0.fetchReply = reply }.envelope, bulk: [bytes])
    }
}
