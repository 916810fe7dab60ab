import Drawing
import Foundation
import RDTCore

/// What `canopy eval` measured, for its report page.
public struct Evaluation: Sendable {
    public var index: String
    public var forest: [String]
    /// The confusion matrix the report is about (aggregated through an out-map where one was given).
    public var matrix: ConfusionMatrix
    public var palette: LabelPalette
    public var frames: [(name: String, accuracy: Double)]
    public var lowAccuracy: Double

    public init(
        index: String, forest: [String], matrix: ConfusionMatrix, palette: LabelPalette, frames: [(name: String, accuracy: Double)],
        lowAccuracy: Double
    ) {
        self.index = index
        self.forest = forest
        self.matrix = matrix
        self.palette = palette
        self.frames = frames
        self.lowAccuracy = lowAccuracy
    }
}

/// `canopy eval --out DIR`'s report.html: accuracies, the per-label table, the confusion matrix,
/// the worst frames and the forest's training, all in one file that needs nothing else.
public enum EvaluationPage {
    /// The pictures are PNG files' bytes; `training` is left out when the forest has no history.
    public static func html(
        _ e: Evaluation, confusionPNG: [UInt8], worstFramesPNG: [UInt8]?, worstFrames: Int,
        training: (curves: TrainingCurves, chartPNG: [UInt8])?
    ) -> String {
        var page = HTMLPage(title: "Canopy evaluation: index \(e.index)")
        page.paragraph("Forest: " + e.forest.joined(separator: ", "))
        let m = e.matrix
        let low = e.frames.filter { $0.accuracy < e.lowAccuracy }.count
        page.figures([
            ("pixel accuracy", String(format: "%.1f%%", m.pixelAccuracy * 100)),
            ("mean per-label accuracy", String(format: "%.1f%%", m.meanClassAccuracy * 100)),
            ("frames", String(e.frames.count)),
            (String(format: "frames below %.0f%%", e.lowAccuracy * 100), String(low)),
        ])
        page.heading("Per label", id: "labels")
        func percent(_ x: Double?) -> HTMLPage.Cell { .init(x.map { String(format: "%.1f%%", $0 * 100) } ?? "-", numeric: true) }
        let accuracy = m.perLabelAccuracy, precision = m.perLabelPrecision, iou = m.perLabelIoU
        page.table(
            header: ["label", "pixels", "predicted pixels", "accuracy (recall)", "precision", "IoU"],
            rows: e.palette.names.indices.map { l in
                [
                    .init(e.palette.names[l], swatch: e.palette[l].hex), .init(String(m.support(l)), numeric: true),
                    .init(String(m.predicted(l)), numeric: true), percent(accuracy[l]), percent(precision[l]), percent(iou[l]),
                ]
            }, id: "per-label")
        page.heading("Confusion matrix", id: "confusion")
        page.paragraph("Rows are the true labels, columns the predicted ones; each row is shaded by its share of that label's pixels.")
        page.picture(png: confusionPNG, alt: "Confusion matrix, row-normalized")
        page.heading("Worst frames", id: "worst")
        let worst = e.frames.enumerated().sorted { ($0.element.accuracy, $0.offset) < ($1.element.accuracy, $1.offset) }
            .prefix(worstFrames)
        page.table(
            header: ["frame", "pixel accuracy"],
            rows: worst.map { [.init($0.element.name), percent($0.element.accuracy)] }, id: "worst-frames")
        if let worstFramesPNG {
            page.picture(png: worstFramesPNG, alt: "The worst frames: depth, truth and prediction")
        }
        if let training {
            TrainingSection.add(training.curves, chartPNG: training.chartPNG, to: &page)
        } else {
            page.heading("Training", id: "training")
            page.paragraph("The forest's trees carry no canopy training history, so there are no training curves.")
        }
        return page.html
    }
}
