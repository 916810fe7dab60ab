import Foundation

/// Where the kernel writes one node's counts: UInt16 where the node's pixel count allows, else UInt32.
public enum HistogramOutput {
    case u16(UnsafeMutablePointer<UInt16>)
    case u32(UnsafeMutablePointer<UInt32>)
}
