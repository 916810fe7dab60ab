import Foundation

/// A self-contained HTML page being written: headings, paragraphs, tables and PNG pictures
/// embedded as data URIs, one inline style sheet, nothing fetched from a network.
public struct HTMLPage: Sendable {
    var body: [String] = []
    let title: String

    public init(title: String) {
        self.title = title
        body.append("<h1>\(Self.escape(title))</h1>")
    }

    /// Text made safe for HTML element content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    public mutating func heading(_ text: String, id: String? = nil) {
        body.append("<h2\(id.map { " id=\"\(Self.escape($0))\"" } ?? "")>\(Self.escape(text))</h2>")
    }

    public mutating func paragraph(_ text: String) {
        body.append("<p>\(Self.escape(text))</p>")
    }

    /// Key figures as large numbers with a caption each.
    public mutating func figures(_ items: [(caption: String, value: String)]) {
        body.append(
            "<div class=\"figures\">"
                + items.map { "<div class=\"figure\"><b>\(Self.escape($0.value))</b><span>\(Self.escape($0.caption))</span></div>" }
                .joined() + "</div>")
    }

    /// A table cell: text, an optional swatch colour before it, right-aligned when numeric.
    public struct Cell: Sendable {
        public var text: String
        public var swatch: String?
        public var numeric: Bool

        public init(_ text: String, swatch: String? = nil, numeric: Bool = false) {
            self.text = text
            self.swatch = swatch
            self.numeric = numeric
        }
    }

    public mutating func table(header: [String], rows: [[Cell]], id: String? = nil) {
        var html = "<table\(id.map { " id=\"\(Self.escape($0))\"" } ?? "")><thead><tr>"
        html += header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for cell in row {
                html += cell.numeric ? "<td class=\"n\">" : "<td>"
                if let swatch = cell.swatch { html += "<i class=\"sw\" style=\"background:\(Self.escape(swatch))\"></i>" }
                html += Self.escape(cell.text) + "</td>"
            }
            html += "</tr>"
        }
        body.append(html + "</tbody></table>")
    }

    /// A PNG picture, embedded in the page.
    public mutating func picture(png: [UInt8], alt: String) {
        body.append(
            "<figure><img alt=\"\(Self.escape(alt))\" src=\"data:image/png;base64,\(Data(png).base64EncodedString())\"><figcaption>\(Self.escape(alt))</figcaption></figure>"
        )
    }

    /// The whole document.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <style>
        body{font-family:"DejaVu Sans",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
        h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;font-size:.9em}th,td{padding:.2em .7em;border-bottom:1px solid #e4e4e4;text-align:left}
        td.n{text-align:right;font-variant-numeric:tabular-nums}
        .sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;vertical-align:-.1em;border:1px solid #888}
        .figures{display:flex;gap:2em;flex-wrap:wrap}.figure b{display:block;font-size:1.8em}.figure span{color:#666}
        img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}figcaption{color:#666;font-size:.85em}
        </style></head><body>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }
}
