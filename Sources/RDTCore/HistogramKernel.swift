import Foundation

/// The histogram kernel: for each node of a batch, label counts per (candidate, threshold
/// bin), one increment per (pixel, candidate). Work is split across threads by candidate, so each
/// count is written by one thread only and the result never depends on the thread count.
public struct HistogramKernel: Sendable {
    public var threads: Int
    /// Pixels per tile: a tile's precomputed pixel data stays in cache while every candidate visits it.
    public var tile: Int
    /// Bytes of counters a thread fills in one pass over a node's pixels: its candidates are
    /// taken in blocks this size, so the counters a tile touches stay in the core's cache however
    /// many candidates the thread has (a whole node's counters are 7-14 MB at 2000 candidates).
    public var blockBytes: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, tile: Int = 128, blockBytes: Int = 1 << 20) {
        self.threads = max(1, threads)
        self.tile = max(16, tile)
        self.blockBytes = max(1, blockBytes)
    }

    /// The same kernel on the calling thread only.
    public var singleThreaded: HistogramKernel {
        var k = self
        k.threads = 1
        return k
    }

    /// Candidates per pass over a node's pixels with counters of `C`.
    func block<C>(_: C.Type, shape: HistogramShape) -> Int {
        max(1, blockBytes / max(1, shape.countsPerCandidate * MemoryLayout<C>.size))
    }

    /// Counts the samples of each node range into its output (zeroed here first).
    public func accumulate(
        samples: UnsafeBufferPointer<PixelSample>, nodes: [Range<Int>], outputs: [HistogramOutput],
        frames: FrameStore, candidates: Candidates, binTable: BinTable, shape: HistogramShape
    ) {
        precondition(nodes.count == outputs.count && shape.candidates == candidates.count)
        precondition(frames.depth.count <= Int(Int32.max), "a FrameStore holds at most 2^31 depth samples (4 GiB)")
        let nThreads = min(threads, shape.candidates)
        let tile = self.tile
        let narrowBlock = block(UInt16.self, shape: shape), wideBlock = block(UInt32.self, shape: shape)
        frames.depth.withUnsafeBufferPointer { depth in
            frames.frames.withUnsafeBufferPointer { info in
                candidates.uvs.withUnsafeBufferPointer { uvs in
                    binTable.scaledTable(labels: shape.labels).withUnsafeBufferPointer { lut in
                        let work = { (t: Int) in
                            let c0 = shape.candidates * t / nThreads, c1 = shape.candidates * (t + 1) / nThreads
                            var scratch = TileScratch(capacity: tile)
                            for (n, range) in nodes.enumerated() {
                                switch outputs[n] {
                                case .u16(let out):
                                    Self.countNode(
                                        out, samples: samples, range: range, c0: c0, c1: c1, block: narrowBlock, depth: depth,
                                        info: info, uvs: uvs, lut: lut, lowest: binTable.lowest,
                                        shape: shape, tile: tile, scratch: &scratch)
                                case .u32(let out):
                                    Self.countNode(
                                        out, samples: samples, range: range, c0: c0, c1: c1, block: wideBlock, depth: depth,
                                        info: info, uvs: uvs, lut: lut, lowest: binTable.lowest,
                                        shape: shape, tile: tile, scratch: &scratch)
                                }
                            }
                            scratch.deallocate()
                        }
                        if nThreads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: nThreads, execute: work) }
                    }
                }
            }
        }
    }

    /// Per-thread structure-of-arrays copy of a tile's pixels, plus the probe indices of one candidate.
    struct TileScratch {
        let x, y, d: UnsafeMutablePointer<Float>
        let cropX, cropY, width, height, offset, label, probeU, probeV: UnsafeMutablePointer<Int32>

        init(capacity: Int) {
            x = .allocate(capacity: capacity)
            y = .allocate(capacity: capacity)
            d = .allocate(capacity: capacity)
            cropX = .allocate(capacity: capacity)
            cropY = .allocate(capacity: capacity)
            width = .allocate(capacity: capacity)
            height = .allocate(capacity: capacity)
            offset = .allocate(capacity: capacity)
            label = .allocate(capacity: capacity)
            probeU = .allocate(capacity: capacity)
            probeV = .allocate(capacity: capacity)
        }

        /// Copies `count` samples from `start` with their frames' crops into the tile.
        @inline(__always)
        func fill(
            samples: UnsafeBufferPointer<PixelSample>, start: Int, count n: Int,
            info: UnsafeBufferPointer<StoredFrame>
        ) {
            for i in 0..<n {
                let p = samples[start + i]
                let f = info[Int(p.frame)]
                x[i] = Float(p.x)
                y[i] = Float(p.y)
                d[i] = Feature.metres(p.depth)
                cropX[i] = f.originX
                cropY[i] = f.originY
                width[i] = f.width
                height[i] = f.height
                offset[i] = Int32(truncatingIfNeeded: f.offset)
                label[i] = Int32(p.label)
            }
        }

        func deallocate() {
            x.deallocate()
            y.deallocate()
            d.deallocate()
            cropX.deallocate()
            cropY.deallocate()
            width.deallocate()
            height.deallocate()
            offset.deallocate()
            label.deallocate()
            probeU.deallocate()
            probeV.deallocate()
        }
    }

    /// Pass 1 for one candidate over a tile: both probes' absolute depth-buffer indices (independent
    /// per pixel, so the compiler vectorizes it across pixels).
    @inline(__always)
    static func probes(_ s: TileScratch, count n: Int, uv: SIMD4<Float>) {
        let x = s.x, y = s.y, d = s.d, cx = s.cropX, cy = s.cropY, w = s.width, h = s.height, off = s.offset
        let pu = s.probeU, pv = s.probeV
        for i in 0..<n {
            pu[i] =
                off[i]
                &+ Feature.probe(
                    x: x[i], y: y[i], d: d[i], ox: uv.x, oy: uv.y, cropX: cx[i], cropY: cy[i],
                    width: w[i], height: h[i])
            pv[i] =
                off[i]
                &+ Feature.probe(
                    x: x[i], y: y[i], d: d[i], ox: uv.z, oy: uv.w, cropX: cx[i], cropY: cy[i],
                    width: w[i], height: h[i])
        }
    }

    /// Counts candidates `c0..<c1` of one node, `block` candidates per pass over its pixels.
    @inline(__always)
    static func countNode<C: FixedWidthInteger & UnsignedInteger>(
        _ out: UnsafeMutablePointer<C>, samples: UnsafeBufferPointer<PixelSample>, range: Range<Int>, c0: Int, c1: Int,
        block: Int, depth: UnsafeBufferPointer<UInt16>, info: UnsafeBufferPointer<StoredFrame>,
        uvs: UnsafeBufferPointer<SIMD4<Float>>, lut: UnsafeBufferPointer<UInt16>, lowest: Int32, shape: HistogramShape,
        tile: Int, scratch: inout TileScratch
    ) {
        let perCandidate = shape.countsPerCandidate
        (out + c0 * perCandidate).initialize(repeating: 0, count: (c1 - c0) * perCandidate)
        let top = Int32(lut.count - 1)
        let dp = depth.baseAddress!, lp = lut.baseAddress!
        let s = scratch
        for b0 in stride(from: c0, to: c1, by: block) {
            let b1 = min(c1, b0 + block)
            var start = range.lowerBound
            while start < range.upperBound {
                let n = min(tile, range.upperBound - start)
                s.fill(samples: samples, start: start, count: n, info: info)
                for c in b0..<b1 {
                    probes(s, count: n, uv: uvs[c])
                    let hist = out + c * perCandidate
                    let pu = s.probeU, pv = s.probeV, label = s.label
                    for i in 0..<n {
                        let f = Int32(truncatingIfNeeded: dp[Int(pu[i])]) &- Int32(truncatingIfNeeded: dp[Int(pv[i])])
                        var k = f &- lowest &+ 1
                        k = k < 0 ? 0 : (k > top ? top : k)
                        hist[Int(lp[Int(k)]) &+ Int(label[i])] &+= 1
                    }
                }
                start += n
            }
        }
    }

    /// Each sample's bin for every candidate, on this thread: out[c * range.count + i] for the i-th
    /// sample of `range` (the bin the kernel would count it in).
    public func bins(
        _ out: UnsafeMutablePointer<UInt8>, samples: UnsafeBufferPointer<PixelSample>, range: Range<Int>,
        frames: FrameStore, candidates: Candidates, binTable: BinTable
    ) {
        let tile = self.tile
        let stride = range.count
        frames.depth.withUnsafeBufferPointer { depth in
            frames.frames.withUnsafeBufferPointer { info in
                candidates.uvs.withUnsafeBufferPointer { uvs in
                    binTable.table.withUnsafeBufferPointer { lut in
                        let s = TileScratch(capacity: tile)
                        defer { s.deallocate() }
                        let top = Int32(lut.count - 1), lowest = binTable.lowest
                        let dp = depth.baseAddress!, lp = lut.baseAddress!
                        var start = range.lowerBound
                        while start < range.upperBound {
                            let n = min(tile, range.upperBound - start)
                            s.fill(samples: samples, start: start, count: n, info: info)
                            for c in 0..<candidates.count {
                                Self.probes(s, count: n, uv: uvs[c])
                                let row = out + c * stride + (start - range.lowerBound)
                                let pu = s.probeU, pv = s.probeV
                                for i in 0..<n {
                                    let f =
                                        Int32(truncatingIfNeeded: dp[Int(pu[i])])
                                        &- Int32(truncatingIfNeeded: dp[Int(pv[i])])
                                    var k = f &- lowest &+ 1
                                    k = k < 0 ? 0 : (k > top ? top : k)
                                    row[i] = lp[Int(k)]
                                }
                            }
                            start += n
                        }
                    }
                }
            }
        }
    }
}
