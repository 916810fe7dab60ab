import CSupport

/// The body bounding box of a frame, what shards and training frames are cropped to.
public enum BodyBox {
    /// A frame cropped to the bounding box of its body pixels (label != 0): (depth, labels, width,
    /// height, originX, originY); an empty crop for a frame without body pixels.
    public static func crop(depth: [UInt16], labels: [UInt8], width: Int, height: Int)
        -> (depth: [UInt16], labels: [UInt8], width: Int, height: Int, originX: Int, originY: Int)
    {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            for x in 0..<width where labels[y * width + x] != 0 {
                x0 = min(x0, x)
                y0 = min(y0, y)
                x1 = max(x1, x)
                y1 = max(y1, y)
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
