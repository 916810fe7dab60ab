import BlockCompression
import Foundation
import WireProtocol

/// A seeded generator of hostile input for the wire protocol: valid messages of every kind,
/// mutated (bits flipped, frames cut, grown, dropped, duplicated, swapped, versions changed) or
/// replaced by random frames. The fuzz tests feed its output to the decoder and to a live
/// coordinator; the same seed gives the same sequence.
public struct MessageMutator {
    private var state: UInt64
    private let corpus: [[[UInt8]]]

    public init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
        corpus = Self.makeCorpus()
    }

    mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(random() % UInt64(n)) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random()) } }

    /// The next hostile message (frames, no ROUTER identity).
    public mutating func next() -> [[UInt8]] {
        var frames = corpus[below(corpus.count)]
        if below(20) == 0 { return (0..<(1 + below(4))).map { _ in bytes(below(64)) } }  // noise
        for _ in 0..<(1 + below(3)) {
            let f = below(frames.count)
            switch below(8) {
            case 0, 1:  // flip bits
                if !frames[f].isEmpty { for _ in 0..<(1 + below(4)) { frames[f][below(frames[f].count)] ^= UInt8(1 << below(8)) } }
            case 2: frames[f] = Array(frames[f].prefix(below(frames[f].count + 1)))  // cut
            case 3: frames[f].insert(contentsOf: bytes(1 + below(16)), at: below(frames[f].count + 1))  // grow
            case 4: if frames.count > 1 { frames.remove(at: f) }  // drop a frame
            case 5: frames.insert(frames[f], at: f)  // duplicate a frame
            case 6: frames.swapAt(f, below(frames.count))
            default:  // another version, or a varint that claims a huge length
                if f == 0, frames[0].count == 8 {
                    frames[0][4] = UInt8(truncatingIfNeeded: random())
                } else {
                    frames[f] += [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]
                }
            }
        }
        return frames
    }

    static func makeCorpus() -> [[[UInt8]]] {
        func encode(_ fill: (inout Canopy_Wire_Envelope) -> Void, bulk: [[UInt8]] = []) -> [[UInt8]] {
            var e = Canopy_Wire_Envelope()
            fill(&e)
            return (try? WireCodec.encode(WireMessage(e, bulk: bulk))) ?? [WireCodec.header()]
        }
        var hello = Canopy_Wire_Hello()
        hello.role = "worker"
        hello.host = "fuzz"
        hello.threads = 2
        var client = Canopy_Wire_Hello()
        client.role = "client"
        var ready = Canopy_Wire_Ready()
        ready.job = "small"
        ready.epoch = 1
        var info = Canopy_Wire_NodeCountsInfo()
        info.pixels = 10
        info.narrow = true
        info.labels = [0, 3]
        let counts = [UInt16](repeating: 1, count: 64 * 2)
        let frame = (try? counts.withUnsafeBytes { try LZ4Codec.compress($0) }) ?? []
        info.rawBytes = UInt32(counts.count * 2)
        var histograms = Canopy_Wire_Histograms()
        histograms.job = "small"
        histograms.request = 1
        histograms.nodes = [info]
        var applied = Canopy_Wire_Applied()
        applied.job = "small"
        applied.request = 2
        var error = Canopy_Wire_WorkerError()
        error.job = "small"
        error.message = "shard x frame 3 is corrupt"
        var fetch = Canopy_Wire_FetchRequest()
        fetch.job = "small"
        var assign = Canopy_Wire_AssignShards()
        assign.job = "small"
        assign.parametersJson = "{\"max_depth\": 3}"
        var route = Canopy_Wire_RouteTree()
        route.decisions = 1
        assign.route = [route]
        let routeFrame = (try? RouteWire.pack([RouteWire.Record(node: 0, leaf: true)])) ?? []
        return [
            encode { $0.hello = hello }, encode { $0.hello = client }, encode { $0.heartbeat = Canopy_Wire_Heartbeat() },
            encode { $0.ready = ready }, encode({ $0.histograms = histograms }, bulk: [frame]), encode { $0.applied = applied },
            encode { $0.workerError = error }, encode { $0.statusRequest = Canopy_Wire_StatusRequest() },
            encode { $0.fetchRequest = fetch }, encode({ $0.assign = assign }, bulk: [routeFrame]),
            encode { $0.rejoin = Canopy_Wire_Rejoin() },
        ]
    }
}
