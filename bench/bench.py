"""convc against oneDNN on the layer set (layers.json) and the example
models, in one process per thread count. See bench/README.md."""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("CONVC_BUILD_DIR", os.path.join(ROOT, "build"))
CONVC = os.path.join(BUILD, "bin", "convc")
CLANG = "/usr/lib/llvm-22/bin/clang++"


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def conv_gflop(c, transposed=False):
    if transposed:  # 2*N*Cin*H*W*Cout*KH*KW/groups
        return 2 * c["n"] * c["cin"] * c["h"] * c["w"] * c["cout"] * \
            c["k"][0] * c["k"][1] / c["groups"] / 1e9
    oh = (c["h"] + 2 * c["pad"] - c["dilation"] * (c["k"][0] - 1) - 1) // c["stride"] + 1
    ow = (c["w"] + 2 * c["pad"] - c["dilation"] * (c["k"][1] - 1) - 1) // c["stride"] + 1
    return 2 * c["n"] * c["cout"] * oh * ow * (c["cin"] // c["groups"]) * \
        c["k"][0] * c["k"][1] / 1e9


def spec(c, relu=False):
    return ("{%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %s}" %
            (c["n"], c["cin"], c["h"], c["w"], c["cout"], c["k"][0], c["k"][1],
             c["stride"], c["pad"], c["dilation"], c["groups"],
             "true" if relu else "false"))


def conv_call(name, x, c):
    return (f"  {name} = conv2d({x}, out={c['cout']}, kernel={c['k']}, "
            f"stride={c['stride']}, pad={c['pad']}, dilation={c['dilation']}, "
            f"groups={c['groups']}, bias=false)")


def prepare(layer, work, rng):
    """Writes the layer's .cnn and weights; returns (source, weights, kind,
    C steps, gflop)."""
    name = layer["name"]
    steps = layer.get("steps", [layer])
    c0 = steps[0]
    head = f"model bench_{name}(x: f32[{c0['n']}, {c0['cin']}, {c0['h']}, {c0['w']}]) {{\n"
    weights = {}
    if layer["kind"] == "sequence":  # DS1: depthwise + ReLU, then pointwise
        d, p = steps
        body = (conv_call("step0", "x", d) + "\n" +
                conv_call("step1", "relu(step0)", p) + "\n  return step1\n}\n")
        weights["step0.weight"] = rng.standard_normal((d["cout"], 1) + tuple(d["k"])) / 3
        weights["step1.weight"] = rng.standard_normal((p["cout"], p["cin"], 1, 1)) / 12
        return (head + body, weights, "DepthwiseSeparable",
                [spec(d, True), spec(p)], conv_gflop(d) + conv_gflop(p))
    c = layer
    fan = c["cin"] // c["groups"] * c["k"][0] * c["k"][1]
    if layer["kind"] == "conv_transpose2d":
        body = (f"  layer = conv_transpose2d(x, out={c['cout']}, kernel={c['k']}, "
                f"stride={c['stride']}, pad={c['pad']}, dilation={c['dilation']}, "
                f"groups={c['groups']}, output_padding={c.get('output_padding', 0)}, "
                f"bias=false)\n  return layer\n}}\n")
        weights["layer.weight"] = rng.standard_normal(
            (c["cin"], c["cout"] // c["groups"]) + tuple(c["k"])) / np.sqrt(fan)
        return head + body, weights, "Deconv", [spec(c)], conv_gflop(c, True)
    body = conv_call("layer", "x", c) + "\n  return layer\n}\n"
    weights["layer.weight"] = rng.standard_normal(
        (c["cout"], c["cin"] // c["groups"]) + tuple(c["k"])) / np.sqrt(fan)
    return head + body, weights, "Conv", [spec(c)], conv_gflop(c)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--peak-gflops", type=float, default=0.0,
                    help="FMA peak of one core (default: measured by the "
                    "harness)")
    args = ap.parse_args()
    layers = json.load(open(os.path.join(ROOT, "bench", "layers.json")))["layers"]
    only = set(filter(None, args.only.split(",")))
    layers = [l for l in layers if not only or l["name"] in only]
    rng = np.random.default_rng(0)
    work = tempfile.mkdtemp(prefix="convc-bench-")
    entries, objects = [], []
    for layer in layers:
        src, weights, kind, steps, gflop = prepare(layer, work, rng)
        name = layer["name"]
        cnn = os.path.join(work, name + ".cnn")
        wfile = os.path.join(work, name + ".safetensors")
        obj = os.path.join(work, name + ".o")
        open(cnn, "w").write(src)
        write_safetensors(wfile, weights)
        subprocess.run([CONVC, cnn, "--emit=obj", "--weights", wfile,
                        f"--symbol=convc_bench_{name}", "-o", obj], check=True)
        objects.append(obj)
        if len(steps) == 1:
            steps.append(steps[0])
        entries.append(f'{{"{name}", &convc_bench_{name}, "{wfile}", {kind}, '
                       f'{{{steps[0]}, {steps[1]}}}, {gflop:.9f}}}')
    with open(os.path.join(work, "layers.inc"), "w") as f:
        for layer in layers:
            f.write(f'extern "C" const convc_model_info convc_bench_{layer["name"]};\n')
        f.write("const Layer kLayers[] = {\n  " + ",\n  ".join(entries) + "};\n")
    harness = os.path.join(work, "harness")
    subprocess.run([CLANG, "-O2", "-march=native", "-ffp-contract=fast",
                    "-std=c++20", "-I", work,
                    "-I", os.path.join(ROOT, "runtime", "include"),
                    os.path.join(ROOT, "bench", "harness.cpp")] + objects +
                   [os.path.join(BUILD, "lib", "libconvc_runtime.a"),
                    "/usr/lib/x86_64-linux-gnu/libstb.a", "-ldnnl",
                    "-fopenmp=libomp", "-lm",
                    "-o", harness], check=True)
    rows = []
    print(f"{'layer':<8} {'threads':>7} {'convc ms':>10} {'oneDNN ms':>10} "
          f"{'ratio':>7} {'convc % peak':>12} {'max |diff|':>11}")
    for t in [int(x) for x in args.threads.split(",")]:
        env = dict(os.environ, OMP_NUM_THREADS=str(t))
        out = subprocess.run([harness, str(args.reps)], env=env, check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            if "peak_gflops" in r:
                core_peak = args.peak_gflops or r["peak_gflops"]
                continue
            ratio = r["onednn_ms"] / r["convc_ms"]
            peak = 100 * r["gflop"] / (r["convc_ms"] / 1e3) / (core_peak * t)
            ok = r["max_abs_diff"] <= 1e-3 * max(1.0, r["max_abs_ref"])
            print(f"{r['name']:<8} {t:>7} {r['convc_ms']:>10.3f} "
                  f"{r['onednn_ms']:>10.3f} {ratio:>7.3f} {peak:>11.1f}% "
                  f"{r['max_abs_diff']:>11.2e}{'' if ok else '  MISMATCH'}")
            rows.append({"name": r["name"], "threads": t,
                         "convc_ms": r["convc_ms"], "onednn_ms": r["onednn_ms"],
                         "torch_ms": None, "gflop": r["gflop"]})
            if not ok:
                sys.exit(f"bench: {r['name']}: convc and oneDNN disagree")
    print(f"Both sides use OMP_NUM_THREADS threads; % peak of {core_peak:.0f} "
          "GFLOP/s per core.")
    if args.json:
        json.dump(rows, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
