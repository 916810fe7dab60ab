import Dataset
import Drawing
import Foundation
import ImagePipeline
import RDTCore
import Testing

/// Headless Chromium, where one is installed (scripts/setup installs Debian's `chromium`;
/// CANOPY_BROWSER names another).
enum Browser {
    static let path: String? = {
        if let named = ProcessInfo.processInfo.environment["CANOPY_BROWSER"], !named.isEmpty { return named }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// Loads `page` in a fresh headless browser; `mode` is `--dump-dom` or `--screenshot=PATH`.
    static func run(_ page: String, _ mode: String, profile: String) throws -> CanopyBinary.Result {
        try CanopyBinary.runProcess(
            path ?? "chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=1100,2600", mode, URL(fileURLWithPath: page).absoluteString,
            ])
    }
}

/// The HTML pages in a real browser: they render, with the label names and their colours visible.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: Browser.path != nil, "no chromium on this machine: scripts/setup installs it (or set CANOPY_BROWSER)"))
struct BrowserTests {
    @Test func theEvalAndTrainingPagesRenderWithLabelNamesAndColours() throws {
        let fx = try TrainingFixture(frames: 6)
        defer { fx.remove() }
        let train = try fx.canopy.run([
            "train", "--data", fx.dir + "/data", "--job", fx.dir + "/job.json", "--workers", "0", "--out", fx.dir + "/f",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let eval = try fx.canopy.run([
            "eval", "--forest", fx.dir + "/f/small", "--data", fx.dir + "/data", "--index", "tree0", "--out", fx.dir + "/eval",
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let page = fx.dir + "/eval/report.html"
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // Self-contained: nothing to fetch.
        #expect(!html.contains("http://") && !html.contains("https://"))

        let dom = try Browser.run(page, "--dump-dom", profile: fx.dir + "/profile")
        #expect(dom.status == 0, "\(dom.stderr)")
        let names = try DatasetManifest(root: fx.dir + "/data").labelMap.names
        for name in names where name != "background" { #expect(dom.stdout.contains(">\(name)</td>"), "\(name) missing from the DOM") }
        #expect(dom.stdout.contains("id=\"training\"") && dom.stdout.contains("id=\"levels\""))

        // The screenshot shows the per-label table: each label's swatch in its colour.
        let shot = fx.dir + "/eval.png"
        let s = try Browser.run(page, "--screenshot=" + shot, profile: fx.dir + "/profile")
        #expect(s.status == 0, "\(s.stderr)")
        let colours = try Self.colours(in: shot)
        let palette = LabelPalette(names: names)
        let missing = names.indices.filter { palette.names[$0] != "background" && !colours.contains(palette[$0]) }
        #expect(missing.isEmpty, "swatches not on screen: \(missing.map { names[$0] })")

        // `canopy report --html`: the training alone, its chart on screen.
        let tree = fx.dir + "/f/small/small-tree0.json"
        let report = try fx.canopy.run(["report", tree, "--html", "--html-out", fx.dir + "/training.html"])
        #expect(report.status == 0 && report.stdout.contains("page: "), "\(report.stdout) \(report.stderr)")
        let trainingShot = fx.dir + "/training.png"
        #expect(try Browser.run(fx.dir + "/training.html", "--screenshot=" + trainingShot, profile: fx.dir + "/profile").status == 0)
        #expect(try Self.colours(in: trainingShot).contains(RGB(31, 119, 180)), "the nodes curve is not on screen")
    }

    /// Every colour in a PNG screenshot.
    static func colours(in path: String) throws -> Set<RGB> {
        let image = try PNGImage.read(path)
        guard case .u8(let px) = image.samples, image.channels >= 3 else { return [] }
        var set = Set<RGB>()
        for i in stride(from: 0, to: px.count, by: image.channels) { set.insert(RGB(px[i], px[i + 1], px[i + 2])) }
        return set
    }
}
