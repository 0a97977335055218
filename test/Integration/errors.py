"""Bad weight files, bad inputs and bad flags: each gives one clear error
naming the file and the mismatch, and a non-zero exit, never a crash."""
import json
import os
import struct
import subprocess
import sys

import numpy as np

import harness
import reference as ref

SOURCE = """model m(x: f32[1, 3, 8, 8]) -> (y) {
  c1 = conv2d(x, out=4, kernel=3)
  return c1
}
"""

failures = 0
checks = 0


def expect(label, cmd, code, *needles):
    """Runs cmd; checks its exit code and that stderr holds every needle."""
    global failures, checks
    checks += 1
    p = subprocess.run(cmd, capture_output=True, text=True)
    out = p.stderr + p.stdout
    ok = (p.returncode == code and p.returncode >= 0 and
          all(n in out for n in needles))
    print(f"{'ok  ' if ok else 'FAIL'} {label}")
    if not ok:
        failures += 1
        print(f"  exit {p.returncode} (want {code}); output:\n{out}")
    return p


def main():
    wd = harness.Workdir()
    src = wd.file("m.cnn")
    with open(src, "w") as f:
        f.write(SOURCE)
    r = harness.rng(4)
    w = r.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = r.standard_normal(4).astype(np.float32)
    convc = [harness.CONVC, src]

    # --- weight files -----------------------------------------------------
    expect("missing weights file", convc + ["--weights", wd.file("nope")],
           1, "convc: error:", wd.file("nope"), "cannot open")
    good = wd.file("good.safetensors")
    harness.write_safetensors(good, {"c1.weight": w, "c1.bias": b})
    data = open(good, "rb").read()
    trunc = wd.file("trunc.safetensors")
    open(trunc, "wb").write(data[:len(data) - 7])
    expect("truncated weights file", convc + ["--weights", trunc], 1,
           trunc, "outside the", "truncated file?")
    nobias = wd.file("nobias.safetensors")
    harness.write_safetensors(nobias, {"c1.weight": w})
    expect("weight missing from the file", convc + ["--weights", nobias], 1,
           "m.cnn:2:8: error: weight 'c1.bias' is not in", "  c1 = conv2d(",
           "       ^")
    shape = wd.file("shape.safetensors")
    harness.write_safetensors(shape, {"c1.weight": w[:, :2], "c1.bias": b})
    expect("weight of the wrong shape", convc + ["--weights", shape], 1,
           "m.cnn:2:8: error: weight 'c1.weight'",
           "has shape 4x2x3x3, the layer needs 4x3x3x3")
    expect("both weight flags", convc + ["--weights", good,
                                         "--random-weights=1"], 1,
           "--weights and --random-weights exclude each other")
    extra = wd.file("extra.safetensors")
    harness.write_safetensors(extra, {"c1.weight": w, "c1.bias": b,
                                      "fc.weight": b})
    expect("unused tensors warn", convc + ["--weights", extra, "-o",
                                           wd.file("m_extra")], 0,
           "warning: 1 tensor(s) in", "are not used by the model, e.g. 'fc.weight'")

    # float16, bfloat16 and float64 weights are converted to float32: the
    # result matches the reference run on the weights so rounded.
    def bf16_bits(a):
        return (a.view(np.uint32) >> 16).astype("<u2")

    encodings = {
        "F16": (lambda a: a.astype("<f2"),
                lambda a: a.astype(np.float16).astype(np.float32)),
        "BF16": (bf16_bits,
                 lambda a: (bf16_bits(a).astype(np.uint32) << 16)
                 .view(np.float32)),
        "F64": (lambda a: a.astype("<f8"), lambda a: a),
        "I32": (lambda a: a.astype("<i4"), None),
    }
    x = r.standard_normal((1, 3, 8, 8)).astype(np.float32)
    np.save(wd.file("x.npy"), x)
    global checks, failures
    for dtype, (encode, rounded) in encodings.items():
        typed = wd.file(f"{dtype}.safetensors")
        with open(typed, "wb") as f:
            wb, bb = encode(w).tobytes(), encode(b).tobytes()
            hdr = json.dumps({
                "c1.weight": {"dtype": dtype, "shape": list(w.shape),
                              "data_offsets": [0, len(wb)]},
                "c1.bias": {"dtype": dtype, "shape": [4],
                            "data_offsets": [len(wb), len(wb) + len(bb)]}
            }).encode()
            f.write(struct.pack("<Q", len(hdr)) + hdr + wb + bb)
        exe = wd.file(f"m_{dtype}")
        if rounded is None:
            expect(f"{dtype} weights are refused", convc + [
                "--weights", typed, "-o", exe], 1,
                "has dtype int32; convc reads float32, float64, float16 and "
                "bfloat16 weights")
            continue
        expect(f"{dtype} weights compile",
               convc + ["--weights", typed, "-o", exe], 0)
        expect(f"{dtype} model runs", [exe, "--input", f"x={wd.file('x.npy')}",
                                       "--output", f"y={wd.file('y.npy')}"], 0)
        want = ref.conv2d(x, rounded(w), rounded(b))
        got = np.load(wd.file("y.npy"))
        checks += 1
        if np.allclose(got, want, rtol=1e-4, atol=1e-5):
            print(f"ok   {dtype} weights give the reference result")
        else:
            failures += 1
            print(f"FAIL {dtype} weights give the reference result")
    exe = wd.file("m_F16")

    # --- the executable's inputs ------------------------------------------
    np.save(wd.file("wrong_shape.npy"), np.zeros((1, 3, 8, 9), np.float32))
    expect("input of the wrong shape", [exe, "--input",
                                        f"x={wd.file('wrong_shape.npy')}"], 1,
           "wrong_shape.npy: input 'x': got float32[1, 3, 8, 9], the model "
           "expects float32[1, 3, 8, 8]")
    np.save(wd.file("f64.npy"), np.zeros((1, 3, 8, 8), np.float64))
    expect("input of the wrong dtype", [exe, "--input",
                                        f"x={wd.file('f64.npy')}"], 1,
           "f64.npy: input 'x': got float64[1, 3, 8, 8], the model expects "
           "float32[1, 3, 8, 8]")
    bad = wd.file("bad.npy")
    whole = open(wd.file("x.npy"), "rb").read()
    open(bad, "wb").write(whole[:100])
    expect("truncated .npy header", [exe, "--input", f"x={bad}"], 1,
           "error:", "bad.npy: truncated .npy header")
    open(bad, "wb").write(whole[:-4])
    expect("truncated .npy data", [exe, "--input", f"x={bad}"], 1,
           "bad.npy: data is 764 bytes, but a float32 array of 192 elements "
           "needs 768")
    open(bad, "wb").write(b"hello")
    expect("not a .npy file", [exe, "--input", f"x={bad}"], 1,
           "bad.npy: not a .npy file")
    expect("missing input", [exe], 2, "no --input given for 'x'")
    expect("unknown input name", [exe, "--input", f"z={bad}"], 2,
           "the model has no input named 'z'")
    expect("unknown flag", [exe, "--fast"], 2, "unknown argument '--fast'")
    expect("bad --bench", [exe, "--input", f"x={wd.file('x.npy')}",
                           "--bench", "lots"], 2,
           "--bench needs a count from 1 to 4096, got 'lots'")
    expect("too many --bench runs", [exe, "--input", f"x={wd.file('x.npy')}",
                                     "--bench", "10000"], 2,
           "--bench needs a count from 1 to 4096, got '10000'")
    expect("bad --threads", [exe, "--input", f"x={wd.file('x.npy')}",
                             "--threads", "0"], 2,
           "--threads needs a count from 1 to 4096, got '0'")
    expect("unwritable output", [exe, "--input", f"x={wd.file('x.npy')}",
                                 "--output", "y=/nonexistent/dir/y.npy"], 1,
           "/nonexistent/dir/y.npy: cannot open for writing")

    print(f"{checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
