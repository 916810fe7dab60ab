import Foundation
import RDTCore

/// The training part of a report page: the run, the curves and the per-level table.
public enum TrainingSection {
    /// Adds the forest's training to `page`; `chartPNG` is the curves picture (written by the caller).
    public static func add(_ curves: TrainingCurves, chartPNG: [UInt8], to page: inout HTMLPage) {
        page.heading("Training", id: "training")
        page.paragraph(curves.title)
        if let summary = curves.runSummary { page.paragraph(summary) }
        page.picture(png: chartPNG, alt: "Training curves per tree level")
        page.table(
            header: ["level", "open", "splits", "leaves", "pixels", "max gain", "mean gain", "seconds", "MiB moved"],
            rows: curves.levels.map { l in
                [
                    .init(String(l.level), numeric: true), .init(String(l.openNodes), numeric: true),
                    .init(String(l.splits), numeric: true), .init(String(l.leaves), numeric: true),
                    .init(String(l.pixels), numeric: true), .init(String(format: "%.3f", l.maxGain), numeric: true),
                    .init(String(format: "%.3f", l.meanGain), numeric: true),
                    .init(l.seconds.map { String(format: "%.2f", $0) } ?? "-", numeric: true),
                    .init(l.mebibytes.map { String(format: "%.1f", $0) } ?? "-", numeric: true),
                ]
            }, id: "levels")
    }

    /// A page of the training alone (`canopy report FOREST --html`).
    public static func page(_ curves: TrainingCurves, chartPNG: [UInt8]) -> String {
        var page = HTMLPage(title: "Canopy forest training")
        add(curves, chartPNG: chartPNG, to: &page)
        return page.html
    }
}
