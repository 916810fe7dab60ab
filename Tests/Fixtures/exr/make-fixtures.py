#!/usr/bin/env python3
"""Writes the EXR fixtures with the OpenEXR library itself (pip install OpenEXR numpy)."""
import OpenEXR, Imath, numpy as np
w, h = 7, 20   # 20 rows: ZIP blocks of 16 lines, so two chunks, the last partial
y, x = np.mgrid[0:h, 0:w]
depth = (1.5 + 0.01 * x + 0.1 * y).astype(np.float16)
depth[0, 0] = 0.0          # no return
depth[1, 1] = 40.0         # far background
for name, comp in [("depth-none.exr", Imath.Compression.NO_COMPRESSION),
                   ("depth-zip.exr", Imath.Compression.ZIP_COMPRESSION),
                   ("depth-zips.exr", Imath.Compression.ZIPS_COMPRESSION)]:
    header = OpenEXR.Header(w, h)
    header['channels'] = {'Y': Imath.Channel(Imath.PixelType(Imath.PixelType.HALF))}
    header['compression'] = Imath.Compression(comp)
    f = OpenEXR.OutputFile(name, header)
    f.writePixels({'Y': depth.tobytes()})
    f.close()
mm = np.rint(depth.astype(np.float64) * 1000).astype(np.int64)
open("depth-expected-mm.txt", "w").write("\n".join(" ".join(str(v) for v in row) for row in mm) + "\n")
