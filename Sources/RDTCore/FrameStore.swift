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
    public mutating func append(depth crop: UnsafeBufferPointer<UInt16>, width: Int, height: Int,
                                originX: Int, originY: Int) -> Int {
        precondition(crop.count == width * height, "crop size mismatch")
        depth.append(backgroundDepth)
        frames.append(StoredFrame(offset: depth.count, width: Int32(width), height: Int32(height),
                                  originX: Int32(originX), originY: Int32(originY)))
        depth.append(contentsOf: crop)
        return frames.count - 1
    }

    @discardableResult
    public mutating func append(depth crop: [UInt16], width: Int, height: Int, originX: Int = 0,
                                originY: Int = 0) -> Int {
        crop.withUnsafeBufferPointer { append(depth: $0, width: width, height: height, originX: originX, originY: originY) }
    }

    public var bytes: Int { depth.count * 2 + frames.count * MemoryLayout<StoredFrame>.stride }
}

/// The depth-comparison feature, the one definition that training, routing and
/// inference share. Pixel (x, y) in full-image coordinates with depth `depthMM` > 0 probes
/// pu = (Int(x + u.x / d), Int(y + u.y / d)), truncated toward zero, likewise pv, with d in metres;
/// the feature is D(pu) - D(pv) in millimetres, D being the background depth outside the image.
public enum Feature {
    /// The probe's depth in metres as every caller computes it.
    @inline(__always) public static func metres(_ depthMM: UInt16) -> Float { Float(depthMM) / 1000 }

    /// Index, relative to the crop's first pixel, of the probe at offset (ox, oy) pixel-metres; -1 (the
    /// background element before every crop) where the probe leaves the crop [0, width) x [0, height)
    /// whose origin is (cropX, cropY). Branchless: the sign bits of x, w-1-x, y and h-1-y say whether
    /// the probe is inside.
    @inline(__always)
    public static func probe(x: Float, y: Float, d: Float, ox: Float, oy: Float, cropX: Int32, cropY: Int32,
                             width: Int32, height: Int32) -> Int32 {
        let px = canopy_trunc_f32(x + ox / d) &- cropX
        let py = canopy_trunc_f32(y + oy / d) &- cropY
        let outside = (px | (width &- 1 &- px) | py | (height &- 1 &- py)) >> 31
        return (py &* width &+ px) | outside
    }

    /// The feature of a pixel of a stored frame.
    @inline(__always)
    public static func value(depth: UnsafePointer<UInt16>, frame: StoredFrame, x: Int32, y: Int32,
                             depthMM: UInt16, uv: SIMD4<Float>) -> Int32 {
        let fx = Float(x), fy = Float(y), d = metres(depthMM)
        let iu = probe(x: fx, y: fy, d: d, ox: uv.x, oy: uv.y, cropX: frame.originX, cropY: frame.originY,
                       width: frame.width, height: frame.height)
        let iv = probe(x: fx, y: fy, d: d, ox: uv.z, oy: uv.w, cropX: frame.originX, cropY: frame.originY,
                       width: frame.width, height: frame.height)
        let base = depth + frame.offset
        return Int32(base[Int(iu)]) &- Int32(base[Int(iv)])
    }
}

/// The body bounding box of a frame, what shards and training frames are cropped to.
public enum BodyBox {
    /// A frame cropped to the bounding box of its body pixels (label != 0): (depth, labels, width,
    /// height, originX, originY); an empty crop for a frame without body pixels.
    public static func crop(depth: [UInt16], labels: [UInt8], width: Int, height: Int)
        -> (depth: [UInt16], labels: [UInt8], width: Int, height: Int, originX: Int, originY: Int) {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            for x in 0..<width where labels[y * width + x] != 0 {
                x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x); y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return ([], [], 0, 0, 0, 0) }
        var d: [UInt16] = [], l: [UInt8] = []
        d.reserveCapacity((x1 - x0 + 1) * (y1 - y0 + 1))
        l.reserveCapacity(d.capacity)
        for y in y0...y1 {
            d.append(contentsOf: depth[(y * width + x0)...(y * width + x1)])
            l.append(contentsOf: labels[(y * width + x0)...(y * width + x1)])
        }
        return (d, l, x1 - x0 + 1, y1 - y0 + 1, x0, y0)
    }
}
