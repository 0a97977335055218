"""convc against oneDNN on the layer set (layers.json) and the example
models, in one process per thread count. See bench/README.md."""
import argparse
import copy
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

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


MODELS = ["resnet18", "mobilenet_v2"]


def torch_model(name):
    """torchvision's model with seeded weights and batch-norm statistics."""
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model


def let_other_threads_sleep():
    """OpenMP runtimes keep their threads spinning for a while after a
    parallel region (libomp: 200 ms); each timing starts after they sleep."""
    time.sleep(0.3)


def median_ms(fn, reps):
    let_other_threads_sleep()
    for _ in range(3):  # warm-up (TorchScript profiles its first runs)
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def torch_variants(model, x):
    """The PyTorch forms the issue names: eager NCHW, eager channels-last,
    TorchScript frozen (optimize_for_inference fuses through oneDNN)."""
    import torch
    with torch.no_grad():
        frozen = torch.jit.optimize_for_inference(
            torch.jit.freeze(torch.jit.script(model)))
    cl_model = copy.deepcopy(model).to(memory_format=torch.channels_last)
    cl_x = x.to(memory_format=torch.channels_last)
    return {"eager": lambda: model(x), "channels-last": lambda: cl_model(cl_x),
            "torchscript": lambda: frozen(x)}


def bench_models(names, threads, reps, work):
    """Rows for the whole models: convc's executable (weights and input
    shared with torchvision's definition) beside PyTorch's fastest form.
    PyTorch is optional (Debian's python3-torch, python3-torchvision)."""
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    xfile = os.path.join(work, "x.npy")
    np.save(xfile, x)
    rows = []
    for name in names:
        exe = os.path.join(work, name)
        src = os.path.join(ROOT, "examples", name + ".cnn")
        if torch:
            model = torch_model(name)
            wfile = os.path.join(work, name + ".safetensors")
            write_safetensors(wfile, {k: v.numpy() for k, v in
                                      model.state_dict().items()
                                      if v.dtype.is_floating_point})
            weights = ["--weights", wfile]
        else:
            weights = ["--random-weights=1"]
        t0 = time.perf_counter()
        subprocess.run([CONVC, src, "-o", exe] + weights, check=True)
        compile_s = time.perf_counter() - t0
        stats = json.loads(subprocess.run(
            [CONVC, src, "--stats=json"], check=True, capture_output=True,
            text=True).stdout)
        gflop = stats["total"]["flops"] / 1e9
        yfile = os.path.join(work, name + ".out.npy")
        for t in threads:
            let_other_threads_sleep()
            out = subprocess.run(
                [exe, "--input", "x=" + xfile, "--output", "logits=" + yfile,
                 "--bench", str(reps), "--threads", str(t)],
                check=True, capture_output=True, text=True).stdout
            convc_ms = float(out.split("median ")[1].split(" ms")[0])
            row = {"name": name, "threads": t, "convc_ms": convc_ms,
                   "onednn_ms": None, "torch_ms": None, "gflop": gflop,
                   "torch_form": None, "max_abs_diff": None,
                   "compile_s": compile_s}
            if torch:
                torch.set_num_threads(t)
                tx = torch.from_numpy(x)
                with torch.no_grad():
                    ref = model(tx).numpy()
                    times = {form: median_ms(fn, reps) for form, fn in
                             torch_variants(model, tx).items()}
                form = min(times, key=times.get)
                y = np.load(yfile)
                row.update(torch_ms=times[form], torch_form=form,
                           max_abs_diff=float(np.abs(y - ref).max()),
                           max_abs_ref=float(np.abs(ref).max()))
            rows.append(row)
    return rows


def compile_layers(layers, work, flags):
    """Compiles every layer with convc (`flags` pick the target) to an
    object file and writes layers.inc (see layer.h); returns the objects."""
    rng = np.random.default_rng(0)
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
                        f"--symbol=convc_bench_{name}", "-o", obj] + flags,
                       check=True)
        objects.append(obj)
        if len(steps) == 1:
            steps.append(steps[0])
        # The weights' path relative to `work`, where the harnesses run.
        entries.append(f'{{"{name}", &convc_bench_{name}, '
                       f'"{name}.safetensors", {kind}, '
                       f'{{{steps[0]}, {steps[1]}}}, {gflop:.9f}}}')
    with open(os.path.join(work, "layers.inc"), "w") as f:
        for layer in layers:
            f.write(f'extern "C" const convc_model_info convc_bench_{layer["name"]};\n')
        f.write("const Layer kLayers[] = {\n  " + ",\n  ".join(entries) + "};\n")
    return objects


def link_harness(source, objects, libs, work):
    """Builds bench/SOURCE with the layers' objects and convc's runtime (and
    $CONVC_LINK_FLAGS, which a sanitizer build's runtime needs)."""
    harness = os.path.join(work, os.path.splitext(source)[0])
    subprocess.run([CLANG, "-O2", "-march=native", "-ffp-contract=fast",
                    "-std=c++20", "-I", work,
                    "-I", os.path.join(ROOT, "runtime", "include"),
                    os.path.join(ROOT, "bench", source)] + objects +
                   [os.path.join(BUILD, "lib", "libconvc_runtime.a"),
                    "/usr/lib/x86_64-linux-gnu/libstb.a"] + libs +
                   ["-lm", "-o", harness] +
                   os.environ.get("CONVC_LINK_FLAGS", "").split(), check=True)
    return harness


def bench_layers(layers, thread_counts, args, work):
    """Rows for the layers: one harness with convc's and oneDNN's code."""
    harness = link_harness("harness.cpp", compile_layers(layers, work, []),
                           ["-ldnnl", "-fopenmp=libomp"], work)
    rows = []
    print(f"{'layer':<8} {'threads':>7} {'convc ms':>10} {'oneDNN ms':>10} "
          f"{'ratio':>7} {'convc % peak':>12} {'max |diff|':>11}")
    for t in thread_counts:
        env = dict(os.environ, OMP_NUM_THREADS=str(t))
        out = subprocess.run([harness, str(args.reps)], env=env, check=True,
                             cwd=work, capture_output=True, text=True).stdout
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
    return rows


def build_gpu_harness(layers, arch, work):
    """Compiles the layers for an NVIDIA GPU and links them with cuDNN;
    returns the harness (it reads its weights from `work`)."""
    cuda = os.environ.get("CUDA_PATH", "/usr/local/cuda")
    objects = compile_layers(layers, work, ["--target=cuda",
                                            f"--gpu-arch={arch}"])
    return link_harness(
        "cuda_harness.cpp", objects,
        ["-Wno-deprecated-declarations", "-I", os.path.join(cuda, "include"),
         "-L", os.path.join(cuda, "lib64"),
         "-Wl,-rpath," + os.path.join(cuda, "lib64"), "-lcudnn", "-lcudart",
         "-ldl", "-lpthread"], work)


def bench_gpu_layers(harness, arch, args, work):
    """Rows for the layers compiled for an NVIDIA GPU, beside cuDNN."""
    run = subprocess.run([harness, str(args.reps)], cwd=work,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stderr.strip() or f"bench: the harness failed ({run.returncode})")
    rows = []
    print(f"{'layer':<8} {'convc ms':>10} {'cuDNN ms':>10} {'ratio':>7} "
          f"{'convc TFLOP/s':>13} {'max |diff|':>11}")
    for line in run.stdout.splitlines():
        r = json.loads(line)
        if "device" in r:
            print(f"on {r['device']} ({arch})")
            continue
        ok = r["max_abs_diff"] <= 1e-3 * max(1.0, r["max_abs_ref"])
        tflops = r["gflop"] / r["convc_ms"]
        print(f"{r['name']:<8} {r['convc_ms']:>10.4f} {r['cudnn_ms']:>10.4f} "
              f"{r['cudnn_ms'] / r['convc_ms']:>7.3f} {tflops:>13.2f} "
              f"{r['max_abs_diff']:>11.2e}{'' if ok else '  MISMATCH'}")
        rows.append({"name": r["name"], "device": arch,
                     "convc_ms": r["convc_ms"], "cudnn_ms": r["cudnn_ms"],
                     "gflop": r["gflop"]})
        if not ok:
            sys.exit(f"bench: {r['name']}: convc and cuDNN disagree")
    print("ratio = cuDNN time / convc time; convc's time is its layers' "
          "--profile timers.")
    return rows


def report_models(rows):
    """Prints the models' table; fails if convc and PyTorch disagree."""
    print(f"\n{'model':<13} {'threads':>7} {'convc ms':>9} {'PyTorch ms':>10} "
          f"{'speed-up':>8}  {'PyTorch form':<13} {'max |diff|':>10}")
    for r in rows:
        if r["torch_ms"] is None:
            print(f"{r['name']:<13} {r['threads']:>7} {r['convc_ms']:>9.3f} "
                  f"{'-':>10} {'-':>8}  (PyTorch not installed)")
            continue
        ok = r["max_abs_diff"] <= 1e-3 * r["max_abs_ref"] + 1e-6
        print(f"{r['name']:<13} {r['threads']:>7} {r['convc_ms']:>9.3f} "
              f"{r['torch_ms']:>10.3f} {r['torch_ms'] / r['convc_ms']:>8.2f}  "
              f"{r['torch_form']:<13} {r['max_abs_diff']:>10.2e}"
              f"{'' if ok else '  MISMATCH'}")
        if not ok:
            sys.exit(f"bench: {r['name']}: convc and PyTorch disagree")
    print("speed-up = the fastest PyTorch form's time / convc's time.")
    compiled = {r["name"]: r["compile_s"] for r in rows}
    print("convc compiled each to an executable in: " +
          ", ".join(f"{name} {s:.2f} s" for name, s in compiled.items()))
    return [{k: r[k] for k in ("name", "threads", "convc_ms", "onednn_ms",
                               "torch_ms", "gflop")} for r in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default="",
                    help="layers and models to run, e.g. R2,M1,resnet18")
    ap.add_argument("--json", default="")
    ap.add_argument("--reps", type=int, default=20,
                    help="the fewest runs of each layer (each side also "
                    "runs for at least 20 ms per round) and the runs of "
                    "each model")
    ap.add_argument("--peak-gflops", type=float, default=0.0,
                    help="FMA peak of one core (default: measured by the "
                    "harness)")
    ap.add_argument("--gpu", default="", metavar="ARCH",
                    help="compile the layers for this NVIDIA GPU (sm_80, "
                    "sm_90) and run them beside cuDNN instead")
    ap.add_argument("--work", default="", metavar="DIR",
                    help="write the compiled layers and harness to DIR "
                    "(default: a new temporary folder)")
    ap.add_argument("--build-only", action="store_true",
                    help="with --gpu and --work: compile and link, do not run "
                    "(to run on another machine)")
    ap.add_argument("--prebuilt", action="store_true",
                    help="with --gpu and --work: run the harness a "
                    "--build-only left there; needs neither convc nor CUDA's "
                    "toolkit, only its libraries")
    args = ap.parse_args()
    if (args.build_only or args.prebuilt) and not (args.gpu and args.work):
        ap.error("--build-only and --prebuilt need --gpu and --work")
    layers = json.load(open(os.path.join(ROOT, "bench", "layers.json")))["layers"]
    only = set(filter(None, args.only.split(",")))
    layers = [l for l in layers if not only or l["name"] in only]
    models = [m for m in MODELS if not only or m in only]
    thread_counts = [int(x) for x in args.threads.split(",")]
    work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="convc-bench-"))
    os.makedirs(work, exist_ok=True)
    if args.gpu:
        harness = os.path.join(work, "cuda_harness")
        if not args.prebuilt:
            harness = build_gpu_harness(layers, args.gpu, work)
        if args.build_only:
            print(f"bench: built {harness}")
            return
        rows = bench_gpu_layers(harness, args.gpu, args, work)
        if args.json:
            json.dump(rows, open(args.json, "w"), indent=1)
        return
    rows = bench_layers(layers, thread_counts, args, work) if layers else []
    if models:
        rows += report_models(bench_models(models, thread_counts, args.reps,
                                           work))
    if args.json:
        json.dump(rows, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
