import CSupport

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
    public static func probe(
        x: Float, y: Float, d: Float, ox: Float, oy: Float, cropX: Int32, cropY: Int32,
        width: Int32, height: Int32
    ) -> Int32 {
        let px = canopy_trunc_f32(x + ox / d) &- cropX
        let py = canopy_trunc_f32(y + oy / d) &- cropY
        let outside = (px | (width &- 1 &- px) | py | (height &- 1 &- py)) >> 31
        return (py &* width &+ px) | outside
    }

    /// The feature of a pixel of a stored frame.
    @inline(__always)
    public static func value(
        depth: UnsafePointer<UInt16>, frame: StoredFrame, x: Int32, y: Int32,
        depthMM: UInt16, uv: SIMD4<Float>
    ) -> Int32 {
        let fx = Float(x), fy = Float(y), d = metres(depthMM)
        let iu = probe(
            x: fx, y: fy, d: d, ox: uv.x, oy: uv.y, cropX: frame.originX, cropY: frame.originY,
            width: frame.width, height: frame.height)
        let iv = probe(
            x: fx, y: fy, d: d, ox: uv.z, oy: uv.w, cropX: frame.originX, cropY: frame.originY,
            width: frame.width, height: frame.height)
        let base = depth + frame.offset
        return Int32(base[Int(iu)]) &- Int32(base[Int(iv)])
    }
}
