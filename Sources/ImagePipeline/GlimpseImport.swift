import Dataset
import Foundation
import RDTCore

/// Turns a glimpse pre-processed directory into a Canopy dataset (docs/preprocessing.md):
/// meta.json (camera, labels), index (frame list), depth/DIR/NAME.exr (half-float metres),
/// labels/DIR/NAME.png (packed labels, palettized or grey), index.NAME (glimpse indexes).
public struct GlimpseImport {
    public var source: String
    public var destination: String
    public var framesPerShard = 256
    public var backgroundDepthMM = 32000

    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }

    /// glimpse frame paths ("/dir/Image0001[-flipped]"), from `index` or else from labels/**.png.
    func framePaths() throws -> [String] {
        if let text = try? String(contentsOfFile: source + "/index", encoding: .utf8) {
            return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard let walker = FileManager.default.enumerator(atPath: source + "/labels") else {
            throw PreprocessError.noFrames(source)
        }
        var paths: [String] = []
        while let item = walker.nextObject() as? String {
            if item.hasSuffix(".png") { paths.append("/" + item.dropLast(4)) }
        }
        return paths
    }

    static func normalized(_ path: String) -> String { path.hasPrefix("/") ? path : "/" + path }

    /// Imports every frame; returns the manifest.
    @discardableResult
    public func run(log: (String) -> Void = { _ in }) throws -> JSON {
        let metaPath = source + "/meta.json"
        guard let metaData = FileManager.default.contents(atPath: metaPath) else {
            throw PreprocessError.io(path: metaPath, reason: "missing; is this a glimpse pre-processed directory?")
        }
        let meta: JSON
        do { meta = try JSON.parse([UInt8](metaData)) } catch {
            throw PreprocessError.io(path: metaPath, reason: "\(error)")
        }
        guard let labelsJSON = meta["labels"] else { throw PreprocessError.io(path: metaPath, reason: "no \"labels\" list") }
        let labelMap: LabelMap
        do { labelMap = try LabelMap(json: labelsJSON, source: metaPath) } catch {
            throw PreprocessError.io(path: metaPath, reason: "\(error)")
        }
        var camera = meta["camera"]
        if let c = camera, let fov = c["vertical_fov"]?.doubleValue, fov < Double.pi {
            // glimpse render metas give degrees; a value below pi is taken as radians.
            camera = .object([
                ("width", c["width"] ?? .int(0)), ("height", c["height"] ?? .int(0)),
                ("vertical_fov", .double(fov * 180 / Double.pi)),
            ])
        }
        let paths = try framePaths().map(Self.normalized).sorted()
        guard !paths.isEmpty else { throw PreprocessError.noFrames(source) }
        for dir in [destination + "/shards", destination + "/clips", destination + "/index"] {
            try AtomicFile.makeDirectory(dir)
        }
        var ids: [String: UInt64] = [:]
        var results: [ClipResult] = []
        let byClip = Dictionary(
            grouping: paths.indices,
            by: { i -> String in
                let p = paths[i]
                return p.lastIndex(of: "/").map { String(p[..<$0]) } ?? ""
            })
        for clip in byClip.keys.sorted() {
            var result = ClipResult(clip: clip.isEmpty ? "/" : clip)
            var writer: ShardWriter?
            let base = PreprocessJob.fileName(clip.isEmpty ? "root" : String(clip.dropFirst()))
            for i in byClip[clip]! {
                let path = paths[i]
                let frame = try importFrame(path, id: UInt64(i), labels: labelMap.count)
                ids[path] = UInt64(i)
                if writer == nil {
                    writer = try ShardWriter(path: destination + "/shards/" + base + String(format: "-%03d.shard", result.shards.count))
                }
                try writer!.append(frame)
                result.rawFrames += 1
                result.kept += 1
                if writer!.frameCount >= framesPerShard {
                    try writer!.finish()
                    result.shards.append((String(writer!.path.split(separator: "/").last!), writer!.frameCount))
                    writer = nil
                }
            }
            if let w = writer {
                try w.finish()
                result.shards.append((String(w.path.split(separator: "/").last!), w.frameCount))
            }
            results.append(result)
            log("clip \(result.clip): \(result.kept) frames")
        }
        let manifest = try DatasetManifest.write(
            destination: destination, clips: results, camera: camera,
            labels: labelMap.json, labelCount: labelMap.count,
            backgroundDepthMM: backgroundDepthMM, log: log)
        // glimpse's own indexes (index.NAME) become index/NAME.txt.
        var indexes: [String: [UInt64]] = ["full": ids.values.sorted()]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? [] where file.hasPrefix("index.") {
            let name = String(file.dropFirst(6))
            let lines = try String(contentsOfFile: source + "/" + file, encoding: .utf8).split(separator: "\n")
            var list: [UInt64] = []
            for (n, line) in lines.enumerated() {
                let key = Self.normalized(line.trimmingCharacters(in: .whitespaces))
                guard let id = ids[key] else {
                    throw PreprocessError.badFrame(
                        path: source + "/" + file,
                        problem:
                            "line \(n + 1) names \(key), which is not among the imported frames")
                }
                list.append(id)
            }
            indexes[name] = list
        }
        for (name, list) in indexes {
            try AtomicFile.write(Array(list.map { "\($0)\n" }.joined().utf8), to: destination + "/index/" + name + ".txt")
        }
        log("indexes: " + indexes.keys.sorted().map { "\($0) (\(indexes[$0]!.count))" }.joined(separator: ", "))
        return manifest
    }

    func importFrame(_ path: String, id: UInt64, labels nLabels: Int) throws -> ShardFrame {
        let depthPath = source + "/depth" + path + ".exr", labelPath = source + "/labels" + path + ".png"
        let exr = try EXRFile.read(depthPath)
        let png = try PNGImage.read(labelPath, paletteIndices: true)
        let labels = try png.grey8(path: labelPath)
        guard png.width == exr.width, png.height == exr.height else {
            throw PreprocessError.badFrame(
                path: labelPath,
                problem:
                    "is \(png.width)x\(png.height) but \(depthPath) is \(exr.width)x\(exr.height)")
        }
        if let bad = labels.firstIndex(where: { Int($0) >= nLabels }) {
            throw PreprocessError.badFrame(
                path: labelPath,
                problem:
                    "label \(labels[bad]) at (\(bad % png.width), \(bad / png.width)) but meta.json lists \(nLabels) labels")
        }
        let bg = UInt16(backgroundDepthMM)
        var depth = [UInt16](repeating: bg, count: labels.count)
        var packed = labels
        for i in 0..<labels.count {
            let m = Double(exr.values[i]) * 1000
            if labels[i] == 0 || !m.isFinite || m < 1 {
                packed[i] = 0
            } else {
                depth[i] = UInt16(min(m.rounded(), Double(bg - 1)))
            }
        }
        let c = BodyBox.crop(depth: depth, labels: packed, width: png.width, height: png.height)
        let name = String(path.dropFirst())
        return ShardFrame(
            id: id, name: name, width: png.width, height: png.height, cropX: c.originX, cropY: c.originY,
            cropWidth: c.width, cropHeight: c.height, flipped: name.hasSuffix("-flipped"),
            depth: c.depth, labels: c.labels)
    }
}
