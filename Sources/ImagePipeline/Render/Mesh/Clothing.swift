import Foundation
import RDTCore

/// What a body wears, from the base mesh's helper geometry: tights (close-fitting legs and hips),
/// a skirt, a hair cap. Each is labelled as the body part underneath it.
public struct Clothing: Equatable, Sendable {
    public var tights = false
    public var skirt = false
    public var hair = false

    public init(tights: Bool = false, skirt: Bool = false, hair: Bool = false) {
        self.tights = tights
        self.skirt = skirt
        self.hair = hair
    }

    /// The items, as render configs name them.
    public static let items = ["tights", "skirt", "hair"]

    /// The item a glimpse clothes name stands for ("m_trousers_01" -> "tights"), or nil.
    public static func item(named name: String) -> String? {
        let n = name.lowercased()
        if ["trousers", "pants", "jeans", "tights", "leggings"].contains(where: n.contains) { return "tights" }
        if ["skirt", "dress"].contains(where: n.contains) { return "skirt" }
        if n.contains("hair") { return "hair" }
        return nil
    }

    /// Drawn from `rng` among `allowed` items: tights half the time, a skirt a quarter of the time,
    /// hair two thirds of the time (the draws are made for every item, so lists change no other draw).
    public static func random(_ rng: inout DeterministicRandom, allowed: Set<String> = Set(items)) -> Clothing {
        let t = rng.uniform(0, 1) < 0.5, s = rng.uniform(0, 1) < 0.25, h = rng.uniform(0, 1) < 0.67
        return Clothing(tights: t && allowed.contains("tights"), skirt: s && allowed.contains("skirt"), hair: h && allowed.contains("hair"))
    }

    /// The helper groups of the base mesh to draw.
    public var helperGroups: [String] {
        (tights ? ["helper-tights"] : []) + (skirt ? ["helper-skirt"] : []) + (hair ? ["helper-hair"] : [])
    }

    public var json: JSON { .object([("tights", .bool(tights)), ("skirt", .bool(skirt)), ("hair", .bool(hair))]) }
}
