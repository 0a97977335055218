"""Every layer other than conv2d, over a grid of its parameters, compared
with the reference."""
import numpy as np

import harness
import reference as ref

POOLS = [
    # (.cnn call, reference)
    ("max_pool2d(x, kernel=2)", lambda x: ref.max_pool2d(x, (2, 2))),
    ("max_pool2d(x, kernel=3, stride=2, pad=1)",
     lambda x: ref.max_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1))),
    ("max_pool2d(x, kernel=[3, 2], stride=[1, 2], pad=[1, 0, 0, 1])",
     lambda x: ref.max_pool2d(x, (3, 2), (1, 2), (1, 0, 0, 1))),
    ("max_pool2d(x, kernel=2, stride=1, dilation=2)",
     lambda x: ref.max_pool2d(x, (2, 2), (1, 1), dilation=(2, 2))),
    ("max_pool2d(x, kernel=[9, 7])", lambda x: ref.max_pool2d(x, (9, 7))),
    ("avg_pool2d(x, kernel=2)", lambda x: ref.avg_pool2d(x, (2, 2))),
    ("avg_pool2d(x, kernel=3, stride=2, pad=1)",
     lambda x: ref.avg_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1))),
    ("avg_pool2d(x, kernel=3, stride=2, pad=1, count_include_pad=false)",
     lambda x: ref.avg_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), False)),
    ("avg_pool2d(x, kernel=[2, 4], stride=[3, 1], pad=[1, 2, 0, 1], count_include_pad=false)",
     lambda x: ref.avg_pool2d(x, (2, 4), (3, 1), (1, 2, 0, 1), False)),
    # Windows over a computed tensor: they read the ReLU's output in place,
    # the padding (-inf, or zeros the average leaves out) folded into the
    # reads, at stride 2 and 1.
    ("max_pool2d(relu(x), kernel=3, stride=1, pad=1)",
     lambda x: ref.max_pool2d(ref.relu(x), (3, 3), (1, 1), (1, 1, 1, 1))),
    ("avg_pool2d(relu(x), kernel=[3, 4], stride=1, pad=[1, 2, 1, 1], count_include_pad=false)",
     lambda x: ref.avg_pool2d(ref.relu(x), (3, 4), (1, 1), (1, 2, 1, 1),
                              False)),
    ("max_pool2d(relu(x), kernel=3, stride=2, pad=1)",
     lambda x: ref.max_pool2d(ref.relu(x), (3, 3), (2, 2), (1, 1, 1, 1))),
    ("avg_pool2d(relu(x), kernel=3, stride=2, pad=[1, 0, 0, 1], count_include_pad=false)",
     lambda x: ref.avg_pool2d(ref.relu(x), (3, 3), (2, 2), (1, 0, 0, 1),
                              False)),
    ("global_avg_pool(x)", ref.global_avg_pool),
    ("relu(x)", ref.relu),
    ("add(x, relu(x))", lambda x: x + ref.relu(x)),
]


def inverted_residual(checker, r, shape, hidden, out, stride):
    """expand (1x1, relu6) -> depthwise 3x3 (relu6) -> project (1x1), plus
    the input when the shape is kept, against the reference."""
    n, cin, h, w_ = shape
    x = r.standard_normal(shape).astype(np.float32)
    w = {"e.weight": r.standard_normal((hidden, cin, 1, 1)) / np.sqrt(cin),
         "e.bias": r.standard_normal(hidden),
         "d.weight": r.standard_normal((hidden, 1, 3, 3)),
         "d.bias": r.standard_normal(hidden),
         "p.weight": r.standard_normal((out, hidden, 1, 1)) / np.sqrt(hidden)}
    w = {k: np.asarray(v, np.float32) for k, v in w.items()}
    residual = stride == 1 and cin == out
    src = f"""model inverted(x: f32[{n}, {cin}, {h}, {w_}]) -> (y) {{
  e = relu6(conv2d(x, out={hidden}, kernel=1))
  d = relu6(conv2d(e, out={hidden}, kernel=3, stride={stride}, pad=1, groups={hidden}))
  p = conv2d(d, out={out}, kernel=1, bias=false)
  y = {"add(x, p)" if residual else "p"}
  return y
}}
"""
    outs = harness.compile_and_run(src, {"x": x}, w)
    e = ref.relu6(ref.conv2d(x, w["e.weight"], w["e.bias"]))
    d = ref.relu6(ref.conv2d(e, w["d.weight"], w["d.bias"],
                             stride=(stride, stride), pad=(1, 1, 1, 1),
                             groups=hidden))
    y = ref.conv2d(d, w["p.weight"])
    checker.check(f"inverted residual {shape}, {cin} -> {hidden} -> {out}, "
                  f"stride {stride}, in bands", outs["y"],
                  x + y if residual else y)


def separable_bands(checker, r, shape, out, stride, threads):
    """depthwise 3x3 (relu) -> pointwise of a model input tall enough for
    bands of rows: each block of the pair copies its band of the input,
    padded (bands reaching into the padding in versions of their own),
    against the reference."""
    n, c, h, w_ = shape
    x = r.standard_normal(shape).astype(np.float32)
    w = {"d.weight": np.asarray(r.standard_normal((c, 1, 3, 3)), np.float32),
         "p.weight": np.asarray(r.standard_normal((out, c, 1, 1)) / np.sqrt(c),
                                np.float32)}
    src = f"""model separable(x: f32[{n}, {c}, {h}, {w_}]) -> (y) {{
  d = conv2d(x, out={c}, kernel=3, stride={stride}, pad=1, groups={c}, bias=false)
  p = conv2d(relu(d), out={out}, kernel=1, bias=false)
  return p
}}
"""
    outs = harness.compile_and_run(src, {"x": x}, w, threads=threads)
    d = ref.conv2d(x, w["d.weight"], stride=(stride, stride), pad=(1, 1, 1, 1),
                   groups=c)
    checker.check(f"separable pair of a model input {shape} -> {out}, stride "
                  f"{stride}, in bands, on {threads} threads", outs["y"],
                  ref.conv2d(ref.relu(d), w["p.weight"]))


def main():
    checker = harness.Checker()
    r = harness.rng(2)
    x = r.standard_normal((2, 3, 9, 7)).astype(np.float32)
    lines = [f"  p{i} = {call}" for i, (call, _) in enumerate(POOLS)]
    names = ", ".join(f"p{i}" for i in range(len(POOLS)))
    src = (f"model pools(x: f32[2, 3, 9, 7]) -> ({names}) {{\n"
           + "\n".join(lines) + f"\n  return {names}\n}}\n")
    outs = harness.compile_and_run(src, {"x": x})
    for i, (call, fn) in enumerate(POOLS):
        checker.check(call, outs[f"p{i}"], fn(x))

    # Global pooling over planes of 672 (42 vectors of 16, 84 of 8), in
    # blocks of channels on each thread (344 KiB), of 15, and of 1440 and
    # 1073 (29 x 37), in loops of chunks of 720 and 37.
    for shape in [(2, 64, 24, 28), (3, 5, 5, 3), (1, 4, 40, 36),
                  (1, 3, 29, 37)]:
        x = r.standard_normal(shape).astype(np.float32)
        src = (f"model global(x: f32{list(shape)}) -> (a, m) {{\n"
               "  return global_avg_pool(x), global_max_pool(relu(x))\n}\n")
        outs = harness.compile_and_run(src, {"x": x})
        checker.check(f"global_avg_pool {shape}", outs["a"],
                      ref.global_avg_pool(x))
        checker.check(f"global_max_pool(relu) {shape}", outs["m"],
                      ref.global_max_pool(ref.relu(x)))

    # NaN, infinities and -0 through the activations (alone and as a
    # convolution's epilogue) and pooling: a NaN passes through, as in
    # PyTorch, and relu6 of +inf is 6.
    special = [np.nan, np.inf, -np.inf, -0.0, 0.0, 7.5, -2.0, 3.0]
    x = np.resize(np.array(special, np.float32), (1, 2, 4, 16))
    x[0, 1] = np.roll(x[0, 1], 3, axis=1)
    w = {"c.weight": r.standard_normal((2, 2, 1, 1)).astype(np.float32)}
    src = """model special(x: f32[1, 2, 4, 16]) -> (r, r6, c6, mp, mp2, gmp) {
  c = conv2d(x, out=2, kernel=1, bias=false)
  return relu(x), relu6(x), relu6(c), max_pool2d(x, kernel=2), max_pool2d(relu(x), kernel=3, stride=2, pad=1), global_max_pool(x)
}
"""
    outs = harness.compile_and_run(src, {"x": x}, w)
    checker.check("relu of NaN, inf, -0", outs["r"], ref.relu(x))
    checker.check("relu6 of NaN, inf, -0", outs["r6"], ref.relu6(x))
    checker.check("relu6(conv2d) of NaN, inf", outs["c6"],
                  ref.relu6(ref.conv2d(x, w["c.weight"])))
    checker.check("max_pool2d of NaN, inf", outs["mp"],
                  ref.max_pool2d(x, (2, 2)))
    checker.check("max_pool2d(relu) of NaN, inf, padded", outs["mp2"],
                  ref.max_pool2d(ref.relu(x), (3, 3), (2, 2), (1, 1, 1, 1)))
    checker.check("global_max_pool of NaN, inf", outs["gmp"],
                  ref.global_max_pool(x))

    # linear on a flattened 4-D tensor, with and without bias; a chain.
    x = r.standard_normal((3, 2, 3, 5)).astype(np.float32)
    w1 = r.standard_normal((7, 30)).astype(np.float32)
    b1 = r.standard_normal(7).astype(np.float32)
    w2 = r.standard_normal((4, 7)).astype(np.float32)
    src = """model mlp(x: f32[3, 2, 3, 5]) -> (hidden, out) {
  fc1 = linear(flatten(x), out=7)
  act = relu(fc1)
  fc2 = linear(act, out=4, bias=false)
  return act, fc2
}
"""
    outs = harness.compile_and_run(
        src, {"x": x}, {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2})
    hidden = ref.relu(ref.linear(ref.flatten(x), w1, b1))
    checker.check("relu(linear(flatten(x)))", outs["hidden"], hidden)
    checker.check("linear(.., bias=false)", outs["out"],
                  ref.linear(hidden, w2))

    # Linear layers whose reductions split into vectors of 16, 8 and 4
    # lanes (k = 48, 24, 12), with and without bias and epilogue, batch 3.
    x = r.standard_normal((3, 48)).astype(np.float32)
    w1 = r.standard_normal((10, 48)).astype(np.float32)
    b1 = r.standard_normal(10).astype(np.float32)
    w2 = r.standard_normal((24, 10)).astype(np.float32)
    w3 = r.standard_normal((12, 24)).astype(np.float32)
    w4 = r.standard_normal((7, 12)).astype(np.float32)
    src = """model wide(x: f32[3, 48]) -> (a, b, c) {
  fc1 = linear(x, out=10)
  fc2 = linear(relu(fc1), out=24, bias=false)
  fc3 = linear(fc2, out=12, bias=false)
  fc4 = linear(relu(fc3), out=7, bias=false)
  return relu(fc1), fc3, fc4
}
"""
    outs = harness.compile_and_run(
        src, {"x": x}, {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2,
                        "fc3.weight": w3, "fc4.weight": w4})
    a = ref.relu(ref.linear(x, w1, b1))
    fc3 = ref.linear(ref.linear(a, w2), w3)
    checker.check("relu(linear(x)), k = 48", outs["a"], a)
    checker.check("linear, k = 24", outs["b"], fc3)
    checker.check("linear, k = 12", outs["c"],
                  ref.linear(ref.relu(fc3), w4))

    # Depthwise-separable pairs, which the CPU schedule computes as one loop
    # nest (each block of the pointwise convolution first computes the
    # depthwise band it reads): stride 1 and 2, an activation between, a
    # residual after, batch 2, odd sizes; pointwise outputs that fill
    # vectors (32) and do not (12).
    x = r.standard_normal((2, 48, 13, 11)).astype(np.float32)
    w = {"a.weight": r.standard_normal((48, 1, 3, 3)), "a.bias": r.standard_normal(48),
         "b.weight": r.standard_normal((48, 48, 1, 1)) / 7,
         "c.weight": r.standard_normal((48, 1, 5, 5)),
         "d.weight": r.standard_normal((32, 48, 1, 1)) / 7,
         "d.bias": r.standard_normal(32),
         "e.weight": r.standard_normal((48, 1, 3, 3)),
         "f.weight": r.standard_normal((12, 48, 1, 1)) / 7}
    w = {k: np.asarray(v, np.float32) for k, v in w.items()}
    src = """model separable(x: f32[2, 48, 13, 11]) -> (res, strided, narrow) {
  a = conv2d(x, out=48, kernel=3, pad=1, groups=48)
  b = conv2d(relu6(a), out=48, kernel=1, bias=false)
  c = conv2d(x, out=48, kernel=5, stride=2, pad=2, groups=48, bias=false)
  d = conv2d(relu(c), out=32, kernel=1)
  e = conv2d(x, out=48, kernel=3, stride=[2, 1], pad=1, groups=48, bias=false)
  f = conv2d(e, out=12, kernel=1, bias=false)
  return add(x, b), relu(d), f
}
"""
    outs = harness.compile_and_run(src, {"x": x}, w)
    a = ref.conv2d(x, w["a.weight"], w["a.bias"], pad=(1, 1, 1, 1), groups=48)
    b = ref.conv2d(np.clip(a, 0, 6), w["b.weight"])
    checker.check("x + pointwise(relu6(depthwise(x)))", outs["res"], x + b)
    c = ref.conv2d(x, w["c.weight"], stride=(2, 2), pad=(2, 2, 2, 2), groups=48)
    d = ref.conv2d(ref.relu(c), w["d.weight"], w["d.bias"])
    checker.check("relu(pointwise(relu(depthwise, stride 2)))", outs["strided"],
                  ref.relu(d))
    e = ref.conv2d(x, w["e.weight"], stride=(2, 1), pad=(1, 1, 1, 1), groups=48)
    checker.check("pointwise(depthwise, stride [2, 1]) to 12 channels",
                  outs["narrow"], ref.conv2d(e, w["f.weight"]))

    # An inverted residual's expansion (1x1, relu6) into a depthwise pair,
    # its result larger than L2: each block of the pair computes its band's
    # rows of the expansion (top, interior and bottom bands). Stride 2,
    # batch 2, odd sizes; stride 1 with the residual add.
    inverted_residual(checker, r, (2, 16, 59, 61), 96, 24, stride=2)
    inverted_residual(checker, r, (1, 24, 48, 45), 144, 24, stride=1)
    # Expansions that fit in cache, computed alone: the pair's depthwise
    # part reads the expansion in place, its padding folded into the reads.
    inverted_residual(checker, r, (1, 16, 21, 19), 48, 16, stride=1)
    inverted_residual(checker, r, (2, 8, 17, 30), 40, 24, stride=2)
    separable_bands(checker, r, (1, 144, 56, 40), 24, stride=1, threads=1)
    separable_bands(checker, r, (1, 144, 56, 40), 24, stride=1, threads=3)
    separable_bands(checker, r, (2, 96, 96, 60), 32, stride=2, threads=2)

    # Activations, normalization, softmax, concat, reshape, mul, the
    # depthwise and pointwise forms, and a block with a conditional.
    x = r.standard_normal((2, 4, 5, 6)).astype(np.float32) * 3
    c = 4
    w = {
        "bn.weight": r.uniform(0.5, 1.5, c), "bn.bias": r.standard_normal(c),
        "bn.running_mean": r.standard_normal(c),
        "bn.running_var": r.uniform(0.5, 1.5, c),
        "dw.weight": r.standard_normal((8, 1, 3, 3)), "dw.bias": r.standard_normal(8),
        "pw.weight": r.standard_normal((3, 8, 1, 1)),
        "blk.conv.weight": r.standard_normal((4, 4, 3, 3)),
        "blk.conv.bias": r.standard_normal(4),
    }
    w = {k: np.asarray(v, np.float32) for k, v in w.items()}
    src = """block maybe_residual(x, c: int, skip: bool = true) {
  conv = conv2d(x, out=c, kernel=3, pad=same)
  return add(x, conv) if skip and c == 4 else conv
}

model ops(x: f32[2, 4, 5, 6]) -> (bn, act6, sig, th, si, hs, lk, sm, cat, rs, prod, dw, pw, blk) {
  bn = batch_norm(x, eps=0.001)
  dw = depthwise_conv2d(x, kernel=3, multiplier=2, stride=[1, 2], pad=1)
  pw = pointwise_conv2d(dw, out=3, bias=false)
  blk = maybe_residual(x, 2 + 2)
  return bn, relu6(x), sigmoid(x), tanh(x), silu(x), hardswish(x),
         leaky_relu(x, negative_slope=0.2), softmax(x, dim=1),
         concat([x, relu(x), x], dim=1), reshape(x, shape=[2, -1, 3]),
         mul(x, sigmoid(x)), dw, pw, blk
}
"""
    outs = harness.compile_and_run(src, {"x": x}, w)
    bn = ref.batch_norm(x, w["bn.weight"], w["bn.bias"], w["bn.running_mean"],
                        w["bn.running_var"], eps=1e-3)
    dw = ref.conv2d(x, w["dw.weight"], w["dw.bias"], stride=(1, 2),
                    pad=(1, 1, 1, 1), groups=4)
    want = {
        "bn": bn, "act6": ref.relu6(x), "sig": ref.sigmoid(x),
        "th": np.tanh(x.astype(np.float64)), "si": ref.silu(x),
        "hs": ref.hardswish(x), "lk": ref.leaky_relu(x, 0.2),
        "sm": ref.softmax(x.astype(np.float64), 1),
        "cat": np.concatenate([x, ref.relu(x), x], axis=1),
        "rs": x.reshape(2, -1, 3), "prod": x * ref.sigmoid(x), "dw": dw,
        "pw": ref.conv2d(dw, w["pw.weight"]),
        "blk": x + ref.conv2d(x, w["blk.conv.weight"], w["blk.conv.bias"],
                              pad=(1, 1, 1, 1)),
    }
    for key, value in want.items():
        checker.check(key, outs[key], value)

    # Transposed convolutions whose phases run in one parallel loop, each
    # block writing its rows of every phase into the output: odd sizes and
    # a batch (where the phases' shapes differ, those of one shape), 9
    # phases of stride 3, epilogues, more weights than input (the threads
    # share the filters), on 1 to 3 threads.
    for shape, out, k, stride, pad, opad, tail in [
            ((1, 64, 16, 16), 32, 4, 2, 1, 0, ""),
            ((2, 48, 9, 10), 16, 3, 2, 1, 1, "relu"),
            ((1, 32, 7, 8), 16, 6, 3, 0, 0, ""),
            ((1, 128, 6, 6), 64, 4, 2, 1, 0, "add"),
    ]:
        x = r.standard_normal(shape).astype(np.float32)
        w = {"t.weight": r.standard_normal((shape[1], out, k, k))
                         / np.sqrt(shape[1] * k * k),
             "t.bias": r.standard_normal(out)}
        w = {key: v.astype(np.float32) for key, v in w.items()}
        want = ref.conv_transpose2d(x, w["t.weight"], w["t.bias"],
                                    (stride, stride), (pad, pad),
                                    (opad, opad))
        z = r.standard_normal(want.shape).astype(np.float32)
        call = (f"conv_transpose2d(x, out={out}, kernel={k}, stride={stride}, "
                f"pad={pad}, output_padding={opad})")
        if tail == "relu":
            want, call = ref.relu(want), f"relu({call})"
        elif tail == "add":
            want, call = want + z, f"add({call}, z)"
        src = (f"model up(x: f32{list(shape)}, z: f32{list(want.shape)}) "
               f"-> (y) {{\n  t = {call}\n  return t\n}}\n")
        for threads in (1, 2, 3):
            outs = harness.compile_and_run(src, {"x": x, "z": z}, w,
                                           threads=threads)
            checker.check(f"{call} on {shape} on {threads} threads",
                          outs["y"], want)

    # Elementwise ops no convolution takes as its epilogue, large enough
    # for blocks on every thread: whole images (35 channels do not split in
    # two) or whole planes, a chain (relu, add, relu6) in one loop nest, a
    # batch norm's per-channel scale and shift (broadcasts), on 1 to 3
    # threads.
    for shape in [(2, 35, 40, 41), (1, 64, 40, 40)]:
        c = shape[1]
        x = r.standard_normal(shape).astype(np.float32) * 3
        z = r.standard_normal(shape).astype(np.float32)
        w = {"bn.weight": r.uniform(0.5, 1.5, c),
             "bn.bias": r.standard_normal(c),
             "bn.running_mean": r.standard_normal(c),
             "bn.running_var": r.uniform(0.5, 1.5, c)}
        w = {k: np.asarray(v, np.float32) for k, v in w.items()}
        src = f"""model big(x: f32{list(shape)}, z: f32{list(shape)}) -> (a, s, bn) {{
  bn = batch_norm(x, eps=0.001)
  return relu(x), relu6(add(relu(x), z)), bn
}}
"""
        want = {"a": ref.relu(x), "s": ref.relu6(ref.relu(x) + z),
                "bn": ref.batch_norm(x, w["bn.weight"], w["bn.bias"],
                                     w["bn.running_mean"],
                                     w["bn.running_var"], eps=1e-3)}
        for threads in (1, 2, 3):
            outs = harness.compile_and_run(src, {"x": x, "z": z}, w,
                                           threads=threads)
            for key, value in want.items():
                checker.check(f"{key} of {shape} on {threads} threads",
                              outs[key], value)

    # Strided pooling after strided convolutions (ResNet's first layers, at
    # odd sizes) whose threads share bands of rows: the pools' blocks run
    # band by band to follow them; on 1 to 3 threads.
    x = r.standard_normal((1, 3, 128, 112)).astype(np.float32)
    x2 = r.standard_normal((1, 3, 120, 100)).astype(np.float32)
    w = {"c.weight": r.standard_normal((16, 3, 7, 7)) / 12,
         "c.bias": r.standard_normal(16),
         "d.weight": r.standard_normal((16, 3, 7, 7)) / 12,
         "d.bias": r.standard_normal(16)}
    w = {k: np.asarray(v, np.float32) for k, v in w.items()}
    src = """model stems(x: f32[1, 3, 128, 112], x2: f32[1, 3, 120, 100]) -> (y, z) {
  c = conv2d(x, out=16, kernel=7, stride=2, pad=3)
  y = max_pool2d(relu(c), kernel=3, stride=2, pad=1)
  d = conv2d(x2, out=16, kernel=7, stride=2, pad=3)
  z = avg_pool2d(d, kernel=3, stride=2, pad=1)
  return y, z
}
"""
    c = ref.conv2d(x, w["c.weight"], w["c.bias"], (2, 2), (3, 3, 3, 3))
    d = ref.conv2d(x2, w["d.weight"], w["d.bias"], (2, 2), (3, 3, 3, 3))
    want = {"y": ref.max_pool2d(ref.relu(c), (3, 3), (2, 2), (1, 1, 1, 1)),
            "z": ref.avg_pool2d(d, (3, 3), (2, 2), (1, 1, 1, 1))}
    for threads in (1, 2, 3):
        outs = harness.compile_and_run(src, {"x": x, "x2": x2}, w,
                                       threads=threads)
        for key, value in want.items():
            checker.check(f"pool {key} of a strided convolution on {threads} "
                          "threads", outs[key], value)

    # Padded inputs of computed convolutions, large enough for blocks:
    # each block of the producer fills the border next to the part it
    # wrote (convc-pad-in-place, convc-merge-border-fills). Producers with
    # blocks of channels and rows, asymmetric padding, a residual add (the
    # chain on the left); blocks of channels only, a relu that two layers
    # read, a depthwise consumer (on the right); on 1 to 3 threads.
    x = r.standard_normal((1, 64, 56, 45)).astype(np.float32)
    x2 = r.standard_normal((1, 32, 60, 45)).astype(np.float32)
    w = {"a.weight": r.standard_normal((64, 64, 3, 3)) / 24,
         "a.bias": r.standard_normal(64),
         "b.weight": r.standard_normal((64, 64, 2, 4)) / 22,
         "c.weight": r.standard_normal((64, 64, 3, 3)) / 24,
         "e.weight": r.standard_normal((64, 32, 3, 3)) / 17,
         "e.bias": r.standard_normal(64),
         "f.weight": r.standard_normal((64, 64, 2, 4)) / 22,
         "d.weight": r.standard_normal((64, 1, 3, 3))}
    w = {k: np.asarray(v, np.float32) for k, v in w.items()}
    src = """model chains(x: f32[1, 64, 56, 45], x2: f32[1, 32, 60, 45]) -> (y, z) {
  a = conv2d(x, out=64, kernel=3, pad=1)
  b = conv2d(relu(a), out=64, kernel=[2, 4], pad=[1, 2, 0, 1], bias=false)
  c = conv2d(add(b, x), out=64, kernel=3, pad=1, bias=false)
  e = conv2d(x2, out=64, kernel=3, pad=1)
  f = conv2d(relu(e), out=64, kernel=[2, 4], pad=[1, 2, 0, 1], bias=false)
  d = conv2d(add(f, relu(e)), out=64, kernel=3, stride=2, pad=1, groups=64, bias=false)
  return c, d
}
"""
    a = ref.relu(ref.conv2d(x, w["a.weight"], w["a.bias"], pad=(1, 1, 1, 1)))
    b = ref.conv2d(a, w["b.weight"], pad=(1, 2, 0, 1))
    e = ref.relu(ref.conv2d(x2, w["e.weight"], w["e.bias"], pad=(1, 1, 1, 1)))
    f = ref.conv2d(e, w["f.weight"], pad=(1, 2, 0, 1))
    want = {"y": ref.conv2d(b + x, w["c.weight"], pad=(1, 1, 1, 1)),
            "z": ref.conv2d(f + e, w["d.weight"], stride=(2, 2),
                            pad=(1, 1, 1, 1), groups=64)}
    for threads in (1, 2, 3):
        outs = harness.compile_and_run(src, {"x": x, "x2": x2}, w,
                                       threads=threads)
        for key, value in want.items():
            checker.check(f"{key}: padded inputs of computed convolutions on "
                          f"{threads} threads", outs[key], value)

    # A downsampling block (ResNet's layer2.0 at odd sizes): its stride-2
    # 3x3 and 1x1 layers read rows that the layer before wrote in bands,
    # and share bands too although their planes (28 x 22) are cut inside
    # a cache line; the 5x5 after them shares filters (its weights
    # outweigh its input) and adds the 1x1's output; on 1 to 3 threads.
    x = r.standard_normal((1, 32, 56, 44)).astype(np.float32)
    w = {"a.weight": r.standard_normal((32, 32, 3, 3)) / 17,
         "a.bias": r.standard_normal(32),
         "b.weight": r.standard_normal((64, 32, 3, 3)) / 17,
         "s.weight": r.standard_normal((64, 32, 1, 1)) / 6,
         "c.weight": r.standard_normal((64, 64, 5, 5)) / 40}
    w = {k: np.asarray(v, np.float32) for k, v in w.items()}
    src = """model down(x: f32[1, 32, 56, 44]) -> (y) {
  a = conv2d(x, out=32, kernel=3, pad=1)
  b = conv2d(relu(a), out=64, kernel=3, stride=2, pad=1, bias=false)
  s = conv2d(relu(a), out=64, kernel=1, stride=2, bias=false)
  c = conv2d(relu(b), out=64, kernel=5, pad=2, bias=false)
  y = relu(add(c, s))
  return y
}
"""
    a = ref.relu(ref.conv2d(x, w["a.weight"], w["a.bias"], pad=(1, 1, 1, 1)))
    b = ref.relu(ref.conv2d(a, w["b.weight"], stride=(2, 2),
                            pad=(1, 1, 1, 1)))
    sc = ref.conv2d(a, w["s.weight"], stride=(2, 2))
    want = ref.relu(ref.conv2d(b, w["c.weight"], pad=(2, 2, 2, 2)) + sc)
    for threads in (1, 2, 3):
        outs = harness.compile_and_run(src, {"x": x}, w, threads=threads)
        checker.check(f"a downsampling block of rows written in bands on "
                      f"{threads} threads", outs["y"], want)

    # NHWC at the boundary: the input and one output are NHWC, the model
    # inside is NCHW.
    x = r.standard_normal((2, 5, 6, 3)).astype(np.float32)  # N, H, W, C
    w = {"c.weight": r.standard_normal((4, 3, 3, 3)).astype(np.float32),
         "c.bias": r.standard_normal(4).astype(np.float32)}
    src = """model layouts(x: nhwc f32[2, 5, 6, 3]) -> (y: nhwc, z: nchw) {
  c = conv2d(x, out=4, kernel=3, pad=1)
  return c, c
}
"""
    outs = harness.compile_and_run(src, {"x": x}, w)
    conv = ref.conv2d(x.transpose(0, 3, 1, 2), w["c.weight"], w["c.bias"],
                      pad=(1, 1, 1, 1))
    checker.check("nhwc output", outs["y"], conv.transpose(0, 2, 3, 1))
    checker.check("nchw output of an nhwc input", outs["z"], conv)
    checker.finish()


if __name__ == "__main__":
    main()
