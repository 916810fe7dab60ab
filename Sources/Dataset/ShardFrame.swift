import BlockCompression
import Foundation
import RDTCore

/// One pre-processed frame: packed labels and depth (mm) cropped to the body's bounding box;
/// outside the box everything is background.
public struct ShardFrame: Equatable, Sendable {
    /// Dataset-wide frame id.
    public var id: UInt64
    /// Source name (e.g. the raw frame's file stem), with "-flipped" for mirrored copies.
    public var name: String
    /// Full image size.
    public var width: Int
    public var height: Int
    /// The crop's position and size in the full image.
    public var cropX: Int
    public var cropY: Int
    public var cropWidth: Int
    public var cropHeight: Int
    public var flipped: Bool
    public var depth: [UInt16]
    public var labels: [UInt8]

    public init(
        id: UInt64, name: String, width: Int, height: Int, cropX: Int, cropY: Int, cropWidth: Int,
        cropHeight: Int, flipped: Bool, depth: [UInt16], labels: [UInt8]
    ) {
        self.id = id
        self.name = name
        self.width = width
        self.height = height
        self.cropX = cropX
        self.cropY = cropY
        self.cropWidth = cropWidth
        self.cropHeight = cropHeight
        self.flipped = flipped
        self.depth = depth
        self.labels = labels
    }

    /// Body pixels (label != 0) in the crop.
    public var bodyPixels: Int { labels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
}
