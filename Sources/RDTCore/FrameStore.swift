import CSupport

/// Where one training frame's cropped depth lives in a `FrameStore`.
public struct StoredFrame: Equatable, Sendable {
    /// Offset of the crop's first pixel in the store's depth buffer.
    public var offset: Int
    public var width: Int32
    public var height: Int32
    /// Position of the crop in the full image.
    public var originX: Int32
    public var originY: Int32
}

/// Training frames held for feature evaluation: each frame's depth (UInt16 mm) cropped to the body
/// box, all in one buffer. Each crop is preceded by one background element, read (as index -1 from the
/// crop's offset) for every probe that falls outside the crop; outside it everything is background.
public struct FrameStore: Sendable {
    public private(set) var depth: [UInt16]
    public private(set) var frames: [StoredFrame] = []
    public let backgroundDepth: UInt16

    public init(backgroundDepth: UInt16 = 32000) {
        self.backgroundDepth = backgroundDepth
        depth = []
    }

    /// Adds a cropped frame; returns its index in the store.
    @discardableResult
    public mutating func append(
        depth crop: UnsafeBufferPointer<UInt16>, width: Int, height: Int,
        originX: Int, originY: Int
    ) -> Int {
        precondition(crop.count == width * height, "crop size mismatch")
        depth.append(backgroundDepth)
        frames.append(
            StoredFrame(
                offset: depth.count, width: Int32(width), height: Int32(height),
                originX: Int32(originX), originY: Int32(originY)))
        depth.append(contentsOf: crop)
        return frames.count - 1
    }

    @discardableResult
    public mutating func append(
        depth crop: [UInt16], width: Int, height: Int, originX: Int = 0,
        originY: Int = 0
    ) -> Int {
        crop.withUnsafeBufferPointer { append(depth: $0, width: width, height: height, originX: originX, originY: originY) }
    }

    public var bytes: Int { depth.count * 2 + frames.count * MemoryLayout<StoredFrame>.stride }
}
