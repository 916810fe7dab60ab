import Foundation
import RDTCore

/// One body's shape: MakeHuman's macro parameters, applied as its macro morph targets, then a
/// uniform scale to `height`.
public struct BodyShape: Equatable, Sendable {
    /// 0 = female, 1 = male.
    public var gender = 0.5
    /// Years, 18-70.
    public var age = 25.0
    /// 0-1 (0.5 average).
    public var muscle = 0.5
    /// 0-1 (0.5 average).
    public var weight = 0.5
    /// Metres from the soles to the top of the head, 1.50-2.00.
    public var height = 1.75
    /// 0 = uncommon, 0.5 = neutral, 1 = ideal proportions.
    public var proportions = 0.5
    /// Ethnic mix of MakeHuman's race targets (African, Asian, Caucasian), summing to one.
    public var african = 1.0 / 3, asian = 1.0 / 3, caucasian = 1.0 / 3

    public init() {}

    /// A shape drawn from `rng`: gender, age 18-70, muscle, weight, height 1.50-2.00 m, proportions, mix.
    public static func random(_ rng: inout DeterministicRandom) -> BodyShape {
        var s = BodyShape()
        s.gender = rng.uniform(0, 1)
        s.age = rng.uniform(18, 70)
        s.muscle = rng.uniform(0.1, 0.9)
        s.weight = rng.uniform(0.1, 0.9)
        s.height = rng.uniform(1.5, 2.0)
        s.proportions = rng.uniform(0.2, 1)
        let a = rng.uniform(0.05, 1), b = rng.uniform(0.05, 1), c = rng.uniform(0.05, 1)
        (s.african, s.asian, s.caucasian) = (a / (a + b + c), b / (a + b + c), c / (a + b + c))
        return s
    }

    /// Out-of-range parameters, as one line (nil when valid).
    public var problem: String? {
        let unit: [(String, Double)] = [("gender", gender), ("muscle", muscle), ("weight", weight), ("proportions", proportions)]
        for (name, v) in unit where !(0...1).contains(v) { return "\(name) \(v) is outside 0-1" }
        if !(18...70).contains(age) { return "age \(age) is outside 18-70 years" }
        if !(1.5...2.0).contains(height) { return "height \(height) m is outside 1.50-2.00 m" }
        let mix = african + asian + caucasian
        if min(african, asian, caucasian) < 0 || abs(mix - 1) > 1e-6 { return "the race mix must be >= 0 and sum to 1" }
        return nil
    }

    /// The macro targets (paths under targets/macrodetails, without .target.gz) and their weights,
    /// as MakeHuman's macro modifier blends them: race x gender x age targets, universal gender x age x
    /// muscle x weight targets, and proportions on top of the universal ones.
    public var targetWeights: [(String, Double)] {
        let genders = [("female", 1 - gender), ("male", gender)]
        // MakeHuman's age scale: 0.1875 = 11 years, 0.5 = 25, 1 = 90.
        let v = age < 25 ? 0.1875 + (age - 11) / 14 * 0.3125 : 0.5 + (age - 25) / 65 * 0.5
        let ages =
            v < 0.5
            ? [("child", (0.5 - v) / 0.3125), ("young", 1 - (0.5 - v) / 0.3125)]
            : [("young", 1 - (v - 0.5) / 0.5), ("old", (v - 0.5) / 0.5)]
        func three(_ x: Double, _ lo: String, _ mid: String, _ hi: String) -> [(String, Double)] {
            x < 0.5 ? [(lo, 1 - 2 * x), (mid, 2 * x)] : [(mid, 2 - 2 * x), (hi, 2 * x - 1)]
        }
        let muscles = three(muscle, "minmuscle", "averagemuscle", "maxmuscle")
        let weights = three(weight, "minweight", "averageweight", "maxweight")
        let proportion = proportions < 0.5 ? ("uncommonproportions", 1 - 2 * proportions) : ("idealproportions", 2 * proportions - 1)
        var list: [(String, Double)] = []
        for (race, r) in [("african", african), ("asian", asian), ("caucasian", caucasian)] {
            for (g, gw) in genders { for (a, aw) in ages { list.append(("\(race)-\(g)-\(a)", r * gw * aw)) } }
        }
        for (g, gw) in genders {
            for (a, aw) in ages {
                for (m, mw) in muscles {
                    for (w, ww) in weights {
                        list.append(("universal-\(g)-\(a)-\(m)-\(w)", gw * aw * mw * ww))
                        list.append(("proportions/\(g)-\(a)-\(m)-\(w)-\(proportion.0)", gw * aw * mw * ww * proportion.1))
                    }
                }
            }
        }
        // A target under 1% moves no vertex by more than a fraction of a millimetre; skipping those
        // halves the morphing work.
        return list.filter { $0.1 >= 0.01 }
    }

    /// Every target `targetWeights` can name, for shapes within the valid ranges.
    public static var allTargets: [String] {
        var names: [String] = []
        for g in ["female", "male"] {
            for a in ["child", "young", "old"] {
                for race in ["african", "asian", "caucasian"] { names.append("\(race)-\(g)-\(a)") }
                for m in ["minmuscle", "averagemuscle", "maxmuscle"] {
                    for w in ["minweight", "averageweight", "maxweight"] {
                        names.append("universal-\(g)-\(a)-\(m)-\(w)")
                        for p in ["uncommonproportions", "idealproportions"] { names.append("proportions/\(g)-\(a)-\(m)-\(w)-\(p)") }
                    }
                }
            }
        }
        return names
    }

    /// The shape as meta JSON records it.
    public var json: JSON {
        .object([
            ("gender", .double(gender)), ("age", .double(age)), ("muscle", .double(muscle)), ("weight", .double(weight)),
            ("height", .double(height)), ("proportions", .double(proportions)),
            ("race", .object([("african", .double(african)), ("asian", .double(asian)), ("caucasian", .double(caucasian))])),
        ])
    }
}
