"""conv2d over a grid of strides, paddings, dilations, groups and bias,
on odd sizes, compared with reference.conv2d."""
import numpy as np

import harness
import reference as ref

# (input shape, [(attributes as written in .cnn, attributes for the reference)])
GRID = [
    ([1, 4, 9, 7], [
        "out=3, kernel=3",
        "out=3, kernel=3, pad=1, bias=false",
        "out=5, kernel=3, stride=2, pad=1",
        "out=2, kernel=[3, 2], stride=[2, 1], pad=[1, 0, 2, 1]",
        "out=3, kernel=3, dilation=2, pad=2",
        "out=3, kernel=3, stride=2, dilation=2, pad=[0, 1, 2, 0]",
        "out=5, kernel=1",
        "out=6, kernel=3, pad=1, groups=2",
        "out=4, kernel=3, pad=1, groups=4",
        "out=8, kernel=3, stride=2, groups=4",
        "out=2, kernel=4, pad=same",
        "out=2, kernel=3, stride=2, pad=same",
        "out=2, kernel=3, pad=full",
        "out=3, kernel=[9, 7]",
        "out=3, kernel=[3, 9], pad=[0, 1, 0, 1]",
        "out=3, kernel=2, stride=3",
        "out=4, kernel=[1, 3], stride=[1, 2], pad=valid, groups=2, bias=false",
    ]),
    ([2, 3, 8, 8], [
        "out=4, kernel=3, pad=1",
        "out=2, kernel=2, stride=2",
        "out=3, kernel=3, pad=1, groups=3",
    ]),
    # Output channels that fill whole vectors (8 lanes with AVX2, 16 with
    # AVX-512): the schedule keeps channels in the lanes, on odd widths.
    ([1, 5, 11, 13], [
        "out=32, kernel=3, pad=1",
        "out=32, kernel=3, stride=2, pad=1, bias=false",
        "out=48, kernel=[3, 5], dilation=2, pad=[2, 1, 0, 3]",
        "out=16, kernel=1",
        "out=64, kernel=7, stride=2, pad=3",
        "out=96, kernel=2, stride=[1, 3]",
    ]),
    ([2, 16, 7, 7], [
        "out=32, kernel=3, pad=1",
        "out=16, kernel=3, pad=same, bias=false",
    ]),
    # Rows of 28 in two tiles of 14 pixels, channels in lanes: the tiles
    # at the borders (first and last row, first and last tile of a row)
    # have their own micro-kernels without the taps' products of padding
    # (convc-skip-padding-taps), on asymmetric and dilated padding too.
    ([1, 8, 10, 28], [
        "out=32, kernel=3, pad=1",
        "out=32, kernel=[3, 5], dilation=[1, 2], pad=[2, 4, 1, 3]",
        "out=16, kernel=[5, 3], stride=[2, 1], pad=[2, 1, 2, 1], bias=false",
    ]),
    # Depthwise with strides over rows wider than a vector: the taps read
    # the model input itself, the padding folded into the vector reads (a
    # row's first tile shifted behind the padding, its last read past the
    # row's end, masked; padding wider than the stride); of a computed
    # input, below.
    ([1, 6, 23, 37], [
        "out=6, kernel=3, stride=2, pad=1, groups=6",
        "out=6, kernel=3, stride=3, pad=1, groups=6, bias=false",
        "out=6, kernel=5, stride=2, pad=2, groups=6",
        "out=6, kernel=7, stride=2, pad=3, groups=6",
        "out=6, kernel=[3, 4], stride=[1, 3], pad=[1, 2, 0, 0], groups=6",
        "out=6, kernel=3, stride=[2, 1], pad=1, groups=6",
        "out=6, kernel=3, stride=[1, 2], dilation=2, pad=2, groups=6",
        "out=3, kernel=3, stride=2, pad=1",
    ]),
    ([2, 4, 40, 34], [
        "out=4, kernel=3, stride=2, pad=1, groups=4",
    ]),
    # Rows so wide that a block is a band of rows (one output row here),
    # not a whole plane: the rows above the first band and below the last
    # (1 or 2) are masked off.
    ([1, 3, 45, 400], [
        "out=3, kernel=3, stride=2, pad=1, groups=3",
        "out=3, kernel=5, stride=2, pad=2, groups=3, bias=false",
    ]),
    # Few input channels at a stride: channels in lanes even for sums of
    # 18 and 30 products (MobileNetV2's first layer has 27).
    ([1, 2, 23, 37], [
        "out=16, kernel=3, stride=2, pad=1",
        "out=32, kernel=[3, 5], stride=[2, 3], pad=[1, 2, 0, 1]",
    ]),
    # Stride 3 on rows of 16, and rows of 32 without padding or with 2
    # columns of it: registers that end at the row's end, or past it.
    ([1, 6, 9, 16], [
        "out=6, kernel=3, stride=3, pad=1, groups=6",
    ]),
    ([1, 4, 12, 32], [
        "out=4, kernel=3, stride=2, groups=4",
        "out=4, kernel=5, stride=2, pad=2, groups=4, bias=false",
    ]),
    # 1x1 convolutions run over flattened pixels (784 per image here, in
    # several blocks of rows of whole vectors).
    ([2, 24, 28, 28], [
        "out=40, kernel=1",
        "out=16, kernel=1, bias=false",
    ]),
    # Grouped: the groups of an image are the batch of one dense schedule,
    # each cache block one group's (32 filters each: channels in lanes;
    # 8 or 2: pixels in lanes; a 7x7 kernel's chain of rows); two images
    # are two such convolutions.
    ([1, 64, 9, 11], [
        "out=64, kernel=3, pad=1, groups=2",
        "out=128, kernel=3, stride=2, pad=1, groups=4, bias=false",
        "out=64, kernel=1, groups=8",
        "out=32, kernel=3, pad=1, groups=16",
        "out=64, kernel=7, pad=3, groups=32",
    ]),
    ([2, 64, 9, 11], [
        "out=64, kernel=3, pad=1, groups=2",
        "out=32, kernel=[3, 5], dilation=[2, 1], pad=[2, 2], groups=16",
    ]),
    # Kernels too large for half of L2 in one cache block: each block's
    # filters are packed together (a blocked constant), channels in lanes,
    # output channels broadcast, and a 7x7 kernel's chain of rows.
    ([1, 256, 6, 5], [
        "out=64, kernel=3, pad=1",
        "out=72, kernel=3, stride=2, pad=1, bias=false",
    ]),
    ([1, 64, 9, 8], [
        "out=96, kernel=7, pad=3",
    ]),
    ([1, 1, 1, 1], [
        "out=3, kernel=1",
        "out=2, kernel=3, pad=1",
    ]),
]


def parse_attrs(text):
    """The grid's attribute text as Python values (mirrors the language)."""
    env = {"same": "same", "valid": "valid", "full": "full",
           "true": True, "false": False}
    return eval(f"dict({text})", env)


def pads(spec, kernel, dilation, stride, hw):
    if isinstance(spec, int):
        return (spec, spec, spec, spec)
    if isinstance(spec, list) and len(spec) == 2:
        return (spec[0], spec[1], spec[0], spec[1])
    if isinstance(spec, list):
        return tuple(spec)
    out = [0, 0, 0, 0]
    for i in range(2):
        k = dilation[i] * (kernel[i] - 1) + 1
        if spec == "full":
            lo = hi = k - 1
        elif spec == "same":
            o = -(-hw[i] // stride[i])
            total = max((o - 1) * stride[i] + k - hw[i], 0)
            lo, hi = total // 2, total - total // 2
        else:
            lo = hi = 0
        out[i], out[i + 2] = lo, hi
    return tuple(out)


def pair(v):
    return tuple(v) if isinstance(v, list) else (v, v)


def on_threads(checker, r, shape, text, threads_list, of_relu=False):
    """One conv2d of a model input (`of_relu`: of its ReLU, a computed
    tensor), run on each of `threads_list` threads."""
    x = r.standard_normal(shape).astype(np.float32)
    a = parse_attrs(text)
    k, s = pair(a["kernel"]), pair(a.get("stride", 1))
    d, g = pair(a.get("dilation", 1)), a.get("groups", 1)
    w = (r.standard_normal((a["out"], shape[1] // g) + k) /
         np.sqrt(shape[1] * k[0] * k[1])).astype(np.float32)
    weights = {"c.weight": w}
    b = None
    if a.get("bias", True):
        b = r.standard_normal(a["out"]).astype(np.float32)
        weights["c.bias"] = b
    want = ref.conv2d(ref.relu(x) if of_relu else x, w, b, s,
                      pads(a.get("pad", 0), k, d, s, shape[2:]), d, g)
    arg = "relu(x)" if of_relu else "x"
    src = (f"model grid(x: f32{list(shape)}) -> (c) {{\n"
           f"  c = conv2d({arg}, {text})\n  return c\n}}\n")
    for threads in threads_list:
        outs = harness.compile_and_run(src, {"x": x}, weights,
                                       threads=threads)
        checker.check(f"x{shape} conv2d({text}) on {threads} threads",
                      outs["c"], want)


def main():
    checker = harness.Checker()
    r = harness.rng(1)
    for shape, cases in GRID:
        lines, weights, refs = [], {}, []
        x = r.standard_normal(shape).astype(np.float32)
        for i, text in enumerate(cases):
            a = parse_attrs(text)
            k, s = pair(a["kernel"]), pair(a.get("stride", 1))
            d, g = pair(a.get("dilation", 1)), a.get("groups", 1)
            p = pads(a.get("pad", 0), k, d, s, shape[2:])
            # Scaled by the fan-in as in trained networks: outputs of the
            # order of the inputs, whatever the length of the sums.
            fan = shape[1] // g * k[0] * k[1]
            w = (r.standard_normal((a["out"], shape[1] // g) + k) /
                 np.sqrt(fan)).astype(np.float32)
            weights[f"c{i}.weight"] = w
            b = None
            if a.get("bias", True):
                b = r.standard_normal(a["out"]).astype(np.float32)
                weights[f"c{i}.bias"] = b
            lines.append(f"  c{i} = conv2d(x, {text})")
            refs.append((text, ref.conv2d(x, w, b, s, p, d, g)))
        names = ", ".join(f"c{i}" for i in range(len(cases)))
        src = (f"model grid(x: f32{shape}) -> ({names}) {{\n"
               + "\n".join(lines) + f"\n  return {names}\n}}\n")
        outs = harness.compile_and_run(src, {"x": x}, weights)
        for i, (text, want) in enumerate(refs):
            checker.check(f"x{shape} conv2d({text})", outs[f"c{i}"], want)

    # Blocks over output channels each read the whole padded input, which
    # every thread copies for itself (convc-copy-per-thread): 2 blocks, and
    # 5 x 2 blocks with uneven pads, shared by 1 to 4 threads (3 threads:
    # shares of 3, 3 and 4 blocks). Strided 1x1 layers whose threads share
    # whole planes: 14 x 14 outputs (a cut after 7 rows is not on a cache
    # line) and 7 x 7 (rows that do not split in two).
    for shape, text in [((1, 128, 7, 7), "out=128, kernel=3, pad=1"),
                        ((1, 256, 10, 10),
                         "out=160, kernel=3, pad=[1, 0, 1, 2]"),
                        ((1, 64, 28, 28), "out=128, kernel=1, stride=2"),
                        ((1, 96, 14, 14),
                         "out=192, kernel=1, stride=2, bias=false")]:
        on_threads(checker, r, shape, text, (1, 2, 3, 4))
    # Blocks over rows or images, all the output channels in each: each
    # block pads its own band of the input (a version for the band at the
    # top, one at the bottom, one for those between): ResNet-18's first
    # layer in 2 bands (a chain of 7 kernel rows), a 5x5 kernel in 4, a
    # dilated one, and batches (bands of an image; whole images).
    for shape, text in [((1, 3, 200, 150), "out=32, kernel=7, stride=2, pad=3"),
                        ((1, 16, 112, 72), "out=16, kernel=5, pad=2"),
                        ((1, 32, 56, 20),
                         "out=32, kernel=3, dilation=2, pad=2, bias=false"),
                        ((3, 8, 20, 20), "out=16, kernel=3, pad=1"),
                        ((2, 3, 61, 45), "out=64, kernel=7, stride=2, pad=3")]:
        on_threads(checker, r, shape, text, (1, 2, 3))
    # Grouped, the groups shared by the threads, of a model input and of a
    # computed tensor.
    for shape, text, of_relu in [
            ((1, 64, 30, 30), "out=64, kernel=3, pad=1, groups=4", False),
            ((1, 48, 17, 20), "out=96, kernel=3, stride=2, groups=3", True)]:
        on_threads(checker, r, shape, text, (1, 2, 3), of_relu=of_relu)
    # Depthwise over a computed tensor (a ReLU's, padded in place): the
    # taps read the ReLU's output, the padding folded into the reads, by
    # whole planes or (rows of 400) bands of rows; strided, and at unit
    # stride (rows of 37 and of 40: three registers, the last partly past
    # the row's end or not; uneven pads, a dilation).
    for shape, text in [((1, 6, 23, 37),
                         "out=6, kernel=3, stride=2, pad=1, groups=6"),
                        ((1, 3, 45, 400),
                         "out=3, kernel=5, stride=2, pad=2, groups=3"),
                        ((1, 6, 23, 37), "out=6, kernel=3, pad=1, groups=6"),
                        ((1, 4, 9, 40),
                         "out=4, kernel=5, pad=[2, 1, 3, 2], dilation=[1, 2], "
                         "groups=4, bias=false")]:
        on_threads(checker, r, shape, text, (1, 2), of_relu=True)
    checker.finish()


if __name__ == "__main__":
    main()
