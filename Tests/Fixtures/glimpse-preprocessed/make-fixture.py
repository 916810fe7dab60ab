#!/usr/bin/env python3
"""A tiny glimpse pre-processed directory: meta.json, index, index.tree0/test, depth/**/*.exr
(half-float metres, via OpenEXR), labels/**/*.png (palettized: palette index = packed label)."""
import json, os, struct, zlib
import OpenEXR, Imath, numpy as np

W, H = 9, 7
def palettized_png(path, labels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes(row) for row in labels)
    palette = b"".join(bytes([(37 * i) % 256, (91 * i) % 256, (173 * i) % 256]) for i in range(256))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 3, 0, 0, 0)) \
        + chunk(b"PLTE", palette) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)

def exr(path, depth):
    header = OpenEXR.Header(W, H)
    header['channels'] = {'Y': Imath.Channel(Imath.PixelType(Imath.PixelType.HALF))}
    header['compression'] = Imath.Compression(Imath.Compression.ZIP_COMPRESSION)
    f = OpenEXR.OutputFile(path, header)
    f.writePixels({'Y': depth.astype(np.float16).tobytes()})
    f.close()

labels = [{"name": "background"}, {"name": "left", "opposite": "right"}, {"name": "right", "opposite": "left"}]
json.dump({"camera": {"width": W, "height": H, "vertical_fov": 43.94}, "labels": labels, "n_labels": 3},
          open("meta.json", "w"))
index = []
for clip in ["walk/take1", "run/take1"]:
    for n in range(2):
        for suffix in ["", "-flipped"]:
            name = "Image%04d%s" % (n, suffix)
            os.makedirs("depth/" + clip, exist_ok=True)
            os.makedirs("labels/" + clip, exist_ok=True)
            lab = np.zeros((H, W), dtype=np.uint8)
            lab[2:6, 2:4] = 1 if suffix == "" else 2
            lab[2:6, 4:7] = 2 if suffix == "" else 1
            depth = np.full((H, W), 32.0)
            depth[lab != 0] = 2.0 + 0.25 * n + 0.001 * np.arange(W)[None, :].repeat(H, 0)[lab != 0]
            exr("depth/%s/%s.exr" % (clip, name), depth)
            palettized_png("labels/%s/%s.png" % (clip, name), lab.tolist())
            index.append("/%s/%s" % (clip, name))
open("index", "w").write("\n".join(index) + "\n")
open("index.test", "w").write(index[0] + "\n" + index[5] + "\n")
open("index.tree0", "w").write("\n".join([index[1], index[2], index[2], index[7]]) + "\n")
