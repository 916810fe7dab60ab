import Drawing

extension PNGImage {
    /// A drawn picture as an 8-bit RGB PNG image.
    public init(_ canvas: Canvas) {
        self.init(width: canvas.width, height: canvas.height, channels: 3, samples: .u8(canvas.rgb()))
    }
}
