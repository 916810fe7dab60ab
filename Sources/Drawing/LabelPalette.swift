import Foundation

/// One colour per body-part label, chosen by the label's name so a part has the same colour in
/// every picture (render contact sheets, dataset sheets, eval pictures, inference), whatever the
/// label map's order. Left and right of one part share a hue: left dark, right light.
///
/// The 16 paired parts of glimpse's scheme sit 22.5 degrees apart on the OKLCH hue circle, in an
/// order that puts neighbouring parts of the body far apart; alternate parts alternate lightness.
/// With neck (white) and background (black) that is 34 colours at least 0.08 apart in OKLab
/// (four times the smallest difference people see). Names outside the scheme get further hues.
public struct LabelPalette: Sendable {
    /// The label names, in packed-label order.
    public let names: [String]
    /// The colour of each packed label.
    public let colours: [RGB]

    /// The parts of glimpse's body-part scheme, from the head down; their hue slot is 7 x index mod 16.
    public static let pairedParts = [
        "head", "head top", "clavicle", "shoulder", "upper arm", "elbow", "forearm", "wrist", "hand",
        "waist", "hip", "thigh", "knee", "shin", "ankle", "toes",
    ]

    /// A palette for a label map's names (packed-label order).
    public init(names: [String]) {
        self.names = names
        var extra: [String: Int] = [:]
        colours = names.map { name in
            let (part, side) = Self.parse(name)
            if let known = Self.known(part: part, side: side) { return known }
            // Outside the scheme: further hues by the golden angle, in order of first appearance.
            let slot = extra[part] ?? extra.count
            extra[part] = slot
            return Self.shade(hue: 5 + Double(slot) * 137.508, dark: slot % 2 == 0, side: side)
        }
    }

    /// The colour of packed label `label` (mid grey outside the map).
    public subscript(label: Int) -> RGB {
        colours.indices.contains(label) ? colours[label] : RGB(128, 128, 128)
    }

    /// The palette as RGB triples, for palette PNGs.
    public var triples: [UInt8] { colours.flatMap { [$0.r, $0.g, $0.b] } }

    /// The colour a name gets in any map, where it is part of glimpse's scheme.
    public static func colour(name: String) -> RGB? {
        let (part, side) = parse(name)
        return known(part: part, side: side)
    }

    enum Side { case left, right, none }

    /// "upper-arm left", "left wrist", "Head_Top_Left" -> ("upper arm", .left) and so on.
    static func parse(_ name: String) -> (part: String, side: Side) {
        var words = name.lowercased().split(whereSeparator: { " -_".contains($0) }).map(String.init)
        var side = Side.none
        if let i = words.firstIndex(of: "left") {
            side = .left
            words.remove(at: i)
        } else if let i = words.firstIndex(of: "right") {
            side = .right
            words.remove(at: i)
        }
        let part = words.joined(separator: " ")
        // Maps that say "foot" mean glimpse's toes label.
        return (part == "foot" ? "toes" : part, side)
    }

    static func known(part: String, side: Side) -> RGB? {
        switch part {
        case "background" where side == .none: return .black
        case "neck" where side == .none: return RGB(lightness: 0.97, chroma: 0, hue: 0)
        default:
            guard let i = pairedParts.firstIndex(of: part), side != .none else { return nil }
            let slot = (7 * i) % 16
            return shade(hue: 10 + Double(slot) * 22.5, dark: slot % 2 == 0, side: side)
        }
    }

    /// Left (and unsided) dark, right light; `dark` picks the darker of two lightness steps.
    static func shade(hue: Double, dark: Bool, side: Side) -> RGB {
        side == .right
            ? RGB(lightness: dark ? 0.70 : 0.80, chroma: 0.12, hue: hue)
            : RGB(lightness: dark ? 0.45 : 0.60, chroma: 0.15, hue: hue)
    }
}

extension LabelPalette {
    /// Packed labels as RGB pixels (3 bytes each).
    public func paint(_ labels: [UInt8]) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: 3 * labels.count)
        let table = (0..<256).map { self[$0] }
        for (i, l) in labels.enumerated() {
            let c = table[Int(l)]
            rgb[3 * i] = c.r
            rgb[3 * i + 1] = c.g
            rgb[3 * i + 2] = c.b
        }
        return rgb
    }
}
