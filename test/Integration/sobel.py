"""examples/sobel.cnn on examples/data/camera.png: the PNG input, the
inline kernels and the PNG outputs against NumPy and a PNG codec written
here from the specification."""
import os
import subprocess
import sys

import numpy as np

import harness
import png
import reference as ref

EXAMPLES = sys.argv[1]


def main():
    checker = harness.Checker()
    wd = harness.Workdir()
    exe = wd.file("sobel")
    harness.run([harness.CONVC, os.path.join(EXAMPLES, "sobel.cnn"), "-o", exe])
    photo = os.path.join(EXAMPLES, "data", "camera.png")
    outs = ["gx", "gy", "edges", "blurred"]
    harness.run([exe, "--input", f"image={photo}"] +
                sum([["--output", f"{o}={wd.file(o + '.npy')}"] for o in outs], []))
    harness.run([exe, "--input", f"image={photo}",
                 "--output", f"edges={wd.file('edges.png')}"])
    image = png.read(photo)[:, :, 0].astype(np.float64)[None, None] / 255
    sx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)[None, None]
    padded = ref.pad_mode(image, (1, 1, 1, 1), "replicate")
    gx = ref.conv2d(padded, sx)
    gy = ref.conv2d(padded, sx.transpose(0, 1, 3, 2))
    edges = np.sqrt(gx * gx + gy * gy) / 4
    blurred = ref.conv2d(ref.pad_mode(image, (2,) * 4, "replicate"),
                         np.full((1, 1, 5, 5), 1 / 25, np.float32))
    got = {o: np.load(wd.file(o + ".npy")) for o in outs}
    checker.check("gx", got["gx"], gx / 8 + 0.5)
    checker.check("gy", got["gy"], gy / 8 + 0.5)
    checker.check("edges", got["edges"], edges)
    checker.check("blurred", got["blurred"], blurred)
    # The PNG output: clamped to [0, 1], rounded to 8 bits.
    written = png.read(wd.file("edges.png"))[:, :, 0].astype(np.float64)
    want = np.rint(np.clip(edges[0, 0], 0, 1) * 255)
    checker.check("edges.png", written, want, rtol=0, atol=1)
    checker.finish()


if __name__ == "__main__":
    main()
