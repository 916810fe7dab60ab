import Foundation

/// One node's histogram counts as the kernel wrote them: UInt16 or UInt32.
public final class NodeCounts {
    public let u16: UnsafeMutableBufferPointer<UInt16>?
    public let u32: UnsafeMutableBufferPointer<UInt32>?

    public init(count: Int, narrow: Bool) {
        if narrow {
            u16 = .allocate(capacity: count)
            u32 = nil
        } else {
            u16 = nil
            u32 = .allocate(capacity: count)
        }
    }

    /// The counts of `labels.count` pixels from their bins (`bins[c * pixels + i]`), as the
    /// kernel would write them, without image lookups.
    public convenience init(bins: [UInt8], labels: [UInt8], shape: HistogramShape) {
        let n = labels.count
        self.init(count: shape.countsPerNode, narrow: HistogramShape.fitsUInt16(pixels: n))
        bins.withUnsafeBufferPointer { b in
            labels.withUnsafeBufferPointer { l in
                guard let bp = b.baseAddress, let lp = l.baseAddress, n > 0 else {
                    u16?.initialize(repeating: 0)
                    u32?.initialize(repeating: 0)
                    return
                }
                if let u16 {
                    SmallSubtree.countDense(
                        u16.baseAddress!, bins: bp, labels: lp, pixels: n, candidates: shape.candidates, binCount: shape.bins,
                        labelCount: shape.labels)
                } else if let u32 {
                    SmallSubtree.countDense(
                        u32.baseAddress!, bins: bp, labels: lp, pixels: n, candidates: shape.candidates, binCount: shape.bins,
                        labelCount: shape.labels)
                }
            }
        }
    }

    deinit {
        u16?.deallocate()
        u32?.deallocate()
    }

    var output: HistogramOutput {
        if let u16 { return .u16(u16.baseAddress!) }
        return .u32(u32!.baseAddress!)
    }

    /// The counts as UInt32.
    public func widened(count: Int) -> [UInt32] {
        if let u32 { return Array(u32) }
        let src = u16!
        return [UInt32](unsafeUninitializedCapacity: count) { buf, n in
            for i in 0..<count { buf[i] = UInt32(src[i]) }
            n = count
        }
    }
}
