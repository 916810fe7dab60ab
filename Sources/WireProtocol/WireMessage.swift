import BlockCompression
import Foundation
import RDTCore
import SwiftProtobuf

/// A message on the wire: the envelope and its bulk frames.
public struct WireMessage {
    public var envelope: Canopy_Wire_Envelope
    public var bulk: [[UInt8]]

    public init(_ envelope: Canopy_Wire_Envelope, bulk: [[UInt8]] = []) {
        self.envelope = envelope
        self.bulk = bulk
    }

    /// The envelope's kind, for logs ("hello", "histograms", ...).
    public var kind: String {
        guard let body = envelope.body else { return "empty" }
        return String(describing: body).split(separator: "(").first.map(String.init) ?? "?"
    }
}
