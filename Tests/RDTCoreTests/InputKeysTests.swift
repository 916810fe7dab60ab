import Foundation
import Testing

@testable import RDTCore

/// Strict keys and glimpse-style comments in users' JSON.
@Suite struct InputKeysTests {
    let keys = InputKeys(
        ["max_depth", "n_pixels", "uv_range"], harmless: ["verbose"], unsupported: ["reload": "not implemented yet"])

    func error(_ json: String) -> String? {
        do {
            try keys.check(try JSON.parse(json), path: "job.json", what: "training job")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aTypoIsRefusedNamingTheNearestKey() {
        #expect(error(#"{"max_dpth": 3}"#) == #"job.json: unknown key "max_dpth" in the training job; did you mean "max_depth"?"#)
        #expect(error(#"{"n_pixel": 3}"#)?.contains(#"did you mean "n_pixels"?"#) == true)
        #expect(error(#"{"colour": 3}"#)?.contains("did you mean") == false, "no suggestion for an unrelated key")
    }

    @Test func glimpseKeysAreHarmlessOrRefusedByName() {
        #expect(error(#"{"verbose": true, "max_depth": 3}"#) == nil)
        #expect(
            error(#"{"reload": "t.json"}"#) == #"job.json: "reload" in the training job is not supported by Canopy: not implemented yet"#)
        #expect(error("[1]") == "job.json: the training job must be a JSON object")
    }

    @Test func commentsAreWhiteSpace() throws {
        let text = """
            // a glimpse job
            { "max_depth": /* deep */ 20, // trees
              "n_pixels": 5 } /* end */
            """
        let json = try JSON.parse(text)
        #expect(json["max_depth"]?.intValue == 20 && json["n_pixels"]?.intValue == 5)
        #expect(try JSON.parse(#"{"a": "//not a comment"}"#)["a"]?.stringValue == "//not a comment")
        #expect(throws: JSONSyntaxError.self) { try JSON.parse("{ /* unterminated }") }
    }

    @Test func editDistance() {
        #expect(InputKeys.distance("max_dpth", "max_depth") == 1)
        #expect(InputKeys.distance("", "abc") == 3 && InputKeys.distance("kitten", "sitting") == 3)
    }
}

/// An out-map must be one for the forest's labels.
@Suite struct OutMapFitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func glimpsesOutMapsFitTheirLabelMapAndNotAnother() throws {
        let path = Self.root + "/reference/glimpse/label-maps/2018-06-left-only-out-map.json"
        let map = try LabelMap(contentsOf: path)
        let labels = (map.labels.flatMap(\.inputs).max() ?? 0) + 1
        try map.checkOutMap(fits: labels, path: path)
        #expect(throws: LabelMapError.self) { try map.checkOutMap(fits: labels - 1, path: path) }  // maps a label the forest lacks
        #expect(throws: LabelMapError.self) { try map.checkOutMap(fits: labels + 1, path: path) }  // leaves one out
    }
}

/// Label and joint maps are read strictly too; glimpse's own load as they are.
@Suite struct StrictMapTests {
    @Test func aTypoInALabelMapEntryIsRefusedAndGlimpsesMapsLoad() throws {
        let text = #"[{"name": "bg", "inputs": [0]}, {"name": "head", "inptus": [1]}]"#
        #expect(throws: InputKeyError.self) { try LabelMap(json: try JSON.parse(text), source: "m.json") }
        do {
            _ = try LabelMap(json: try JSON.parse(text), source: "m.json")
        } catch {
            #expect("\(error)" == #"m.json: unknown key "inptus" in the label map entry 1; did you mean "inputs"?"#)
        }
        let dir = NSTemporaryDirectory() + "canopy-maps-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"[{"joint": "head", "labels": [1], "conections": []}]"#.write(toFile: dir + "/j.json", atomically: true, encoding: .utf8)
        do {
            _ = try JointMap(contentsOf: dir + "/j.json")
            Issue.record("a mistyped joint map key was accepted")
        } catch {
            #expect("\(error)" == "\(dir)/j.json: unknown key \"conections\" in the joint map entry 0; did you mean \"connections\"?")
        }
        let root = OutMapFitTests.root + "/reference/glimpse"
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/label-maps") {
            _ = try LabelMap(contentsOf: root + "/label-maps/" + name)
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/joint-maps") {
            _ = try JointMap(contentsOf: root + "/joint-maps/" + name)
        }
    }
}
