"""Compiles .cnn models with convc, runs them, and compares with a reference.

Weights go through a safetensors file written here (so the reference and
the compiled model see the same numbers); inputs and outputs through .npy.
"""
import collections
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

CONVC = os.environ.get("CONVC", "convc")
# Flags added to every compile, e.g. --target=cuda-host to run the suites
# through the GPU schedule (each launch as loops on the CPU).
CONVC_FLAGS = os.environ.get("CONVC_FLAGS", "").split()
# Compiling on one machine and running on another (a GPU machine without
# convc): CONVC_IT_SAVE=DIR compiles every model into DIR and runs none (the
# checks report "saved"); CONVC_IT_LOAD=DIR runs the executables saved there
# instead of compiling. Each is found by a hash of its source, flags and
# weights, so both runs must use the same suite and CONVC_FLAGS.
SAVE_DIR = os.environ.get("CONVC_IT_SAVE")
LOAD_DIR = os.environ.get("CONVC_IT_LOAD")
# float32 results against a float64 reference: the error grows with the
# length of each sum, which stays below a few thousand terms here.
RTOL, ATOL = 1e-4, 1e-5


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


class Workdir:
    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="convc-it-")
        self.path = self._tmp.name

    def file(self, name):
        return os.path.join(self.path, name)


def compile_and_run(source, inputs, weights=None, name="model", extra=(),
                    threads=None):
    """Returns the model's outputs {name: array} for `inputs` {name: array}
    (under CONVC_IT_SAVE, outputs that are all None), run on `threads`
    threads (the OpenMP default if None)."""
    wd = Workdir()
    src = wd.file(name + ".cnn")
    with open(src, "w") as f:
        f.write(source)
    exe = wd.file(name)
    flags = CONVC_FLAGS + list(extra)
    cmd = [CONVC, src, "-o", exe, "--verify-each"] + flags
    digest = hashlib.sha256("\0".join([source] + flags).encode())
    if weights is not None:
        write_safetensors(wd.file("w.safetensors"), weights)
        cmd += ["--weights", wd.file("w.safetensors")]
        with open(wd.file("w.safetensors"), "rb") as f:
            digest.update(f.read())
    saved = f"{name}-{digest.hexdigest()[:16]}"
    if LOAD_DIR:
        exe = os.path.join(LOAD_DIR, saved)
        if not os.path.exists(exe):
            sys.exit(f"FAILED: no executable {saved} in {LOAD_DIR} (saved "
                     "with another suite, CONVC_FLAGS or NumPy?)")
    else:
        run(cmd)
    if SAVE_DIR:
        os.makedirs(SAVE_DIR, exist_ok=True)
        shutil.copy(exe, os.path.join(SAVE_DIR, saved))
        return collections.defaultdict(lambda: None)
    # Ask the executable for its outputs' names.
    usage = run([exe, "--help"])
    outs = [line.split()[1].rstrip(":") for line in usage.splitlines()
            if line.strip().startswith("output ")]
    cmd = [exe] + (["--threads", str(threads)] if threads else [])
    for key, array in inputs.items():
        np.save(wd.file(key + ".in.npy"), array.astype(np.float32))
        cmd += ["--input", f"{key}={wd.file(key + '.in.npy')}"]
    for key in outs:
        cmd += ["--output", f"{key}={wd.file(key + '.out.npy')}"]
    run(cmd)
    return {key: np.load(wd.file(key + ".out.npy")) for key in outs}


def run(cmd):
    # glibc fills every block malloc returns (and frees) with a pattern, so
    # that a buffer read before it is written gives wrong numbers rather
    # than the zeros of fresh pages.
    env = dict(os.environ, MALLOC_PERTURB_="165")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p.stdout


class Checker:
    """Counts comparisons and prints one line per case; exits 1 on failure."""

    def __init__(self):
        self.passed = self.failed = self.saved = 0

    def check(self, label, got, want, rtol=RTOL, atol=ATOL):
        if got is None and SAVE_DIR:
            print(f"saved {label}")
            self.saved += 1
            return
        want = np.asarray(want)
        if got.shape != want.shape:
            print(f"FAIL {label}: shape {got.shape}, expected {want.shape}")
            self.failed += 1
            return
        # Equal values (infinities, NaN against NaN) are exact; a NaN or an
        # infinity against anything else is off.
        got64 = got.astype(np.float64)
        same = (got64 == want) | (np.isnan(got64) & np.isnan(want))
        with np.errstate(invalid="ignore"):
            err = np.where(same, 0.0, np.abs(got64 - want))
        err = np.where(np.isnan(err), np.inf, err)
        bad = err > atol + rtol * np.abs(np.where(np.isfinite(want), want, 0))
        if bad.any():
            i = np.unravel_index(np.argmax(err), err.shape)
            print(f"FAIL {label}: {bad.sum()} of {bad.size} elements off; "
                  f"worst at {i}: got {got[i]}, expected {want[i]}")
            self.failed += 1
        else:
            print(f"ok   {label} (max abs err {err.max():.2e})")
            self.passed += 1

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed" +
              (f", {self.saved} saved" if self.saved else ""))
        sys.exit(1 if self.failed or not (self.passed or self.saved) else 0)


def rng(seed=0):
    return np.random.default_rng(seed)
