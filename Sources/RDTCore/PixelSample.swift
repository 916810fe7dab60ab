/// One sampled training pixel (12 bytes): its frame in the `FrameStore`, full-image position,
/// depth and packed label.
public struct PixelSample: Equatable, Sendable {
    public var frame: UInt32
    public var x: UInt16
    public var y: UInt16
    public var depth: UInt16
    public var label: UInt8
    public var reserved: UInt8 = 0

    public init(frame: UInt32, x: UInt16, y: UInt16, depth: UInt16, label: UInt8) {
        self.frame = frame
        self.x = x
        self.y = y
        self.depth = depth
        self.label = label
    }
}
