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
