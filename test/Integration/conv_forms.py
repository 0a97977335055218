"""conv1d and conv3d, padding modes, true convolution (flip), transposed
convolution in 1-D and 2-D, ceil_mode pooling, global max pooling,
upsampling and pixel shuffle,
against the reference over grids of their parameters and edges."""
import numpy as np

import harness
import reference as ref


def run(checker, shape, cases, r):
    """cases: (name, .cnn call text on x, {weight: shape}, reference fn(x, w))."""
    x = r.standard_normal(shape).astype(np.float32)
    weights, lines = {}, []
    for name, call, wshapes, _ in cases:
        for key, s in wshapes.items():
            weights[f"{name}.{key}"] = r.standard_normal(s).astype(np.float32)
        lines.append(f"  {name} = {call}")
    names = ", ".join(c[0] for c in cases)
    src = (f"model forms(x: f32{list(shape)}) -> ({names}) {{\n" +
           "\n".join(lines) + f"\n  return {names}\n}}\n")
    outs = harness.compile_and_run(src, {"x": x}, weights)
    for name, call, wshapes, fn in cases:
        w = {k: weights[f"{name}.{k}"] for k in wshapes}
        checker.check(call, outs[name], fn(x, w))


def main():
    checker = harness.Checker()
    r = harness.rng(6)

    # 1-D: [N, C, W]
    run(checker, (2, 4, 11), [
        ("a", "conv1d(x, out=3, kernel=3)", {"weight": (3, 4, 3), "bias": (3,)},
         lambda x, w: ref.conv1d(x, w["weight"], w["bias"])),
        ("b", "conv1d(x, out=6, kernel=4, stride=2, pad=[1, 2], dilation=2, groups=2, bias=false)",
         {"weight": (6, 2, 4)},
         lambda x, w: ref.conv1d(x, w["weight"], None, 2, (1, 2), 2, 2)),
        ("c", "conv1d(x, out=2, kernel=5, pad=2, padding_mode=reflect)",
         {"weight": (2, 4, 5), "bias": (2,)},
         lambda x, w: ref.conv1d(ref.pad_mode(x, (2, 2), "reflect"), w["weight"], w["bias"])),
        ("d", "conv_transpose1d(x, out=3, kernel=3, stride=2, pad=1, output_padding=1)",
         {"weight": (4, 3, 3), "bias": (3,)},
         lambda x, w: ref.conv_transpose1d(x, w["weight"], w["bias"], 2, 1, 1)),
        ("e", "conv_transpose1d(x, out=4, kernel=2, stride=3, dilation=2, groups=2, bias=false)",
         {"weight": (4, 2, 2)},
         lambda x, w: ref.conv_transpose1d(x, w["weight"], None, 3, 0, 0, 2, 2)),
    ], r)

    # 2-D: padding modes, flip, transposed convolution, pooling forms.
    run(checker, (1, 4, 7, 9), [
        ("reflect", "conv2d(x, out=3, kernel=3, pad=[2, 1], padding_mode=reflect)",
         {"weight": (3, 4, 3, 3), "bias": (3,)},
         lambda x, w: ref.conv2d(ref.pad_mode(x, (2, 1, 2, 1), "reflect"), w["weight"], w["bias"])),
        ("replicate", "conv2d(x, out=3, kernel=[2, 3], pad=[0, 1, 3, 2], padding_mode=replicate, bias=false)",
         {"weight": (3, 4, 2, 3)},
         lambda x, w: ref.conv2d(ref.pad_mode(x, (0, 1, 3, 2), "replicate"), w["weight"])),
        ("circular", "conv2d(x, out=2, kernel=3, stride=2, pad=same, padding_mode=circular, groups=2)",
         {"weight": (2, 2, 3, 3), "bias": (2,)},
         lambda x, w: ref.conv2d(ref.pad_mode(x, (1, 1, 1, 1), "circular"), w["weight"], w["bias"], (2, 2), groups=2)),
        ("flip", "conv2d(x, out=3, kernel=[3, 2], pad=1, flip=true)",
         {"weight": (3, 4, 3, 2), "bias": (3,)},
         lambda x, w: ref.conv2d(x, w["weight"][:, :, ::-1, ::-1], w["bias"], pad=(1, 1, 1, 1))),
        ("dwflip", "depthwise_conv2d(x, kernel=3, flip=true, bias=false, padding_mode=replicate, pad=1)",
         {"weight": (4, 1, 3, 3)},
         lambda x, w: ref.conv2d(ref.pad_mode(x, (1, 1, 1, 1), "replicate"), w["weight"][:, :, ::-1, ::-1], groups=4)),
        ("up", "conv_transpose2d(x, out=3, kernel=4, stride=2, pad=1)",
         {"weight": (4, 3, 4, 4), "bias": (3,)},
         lambda x, w: ref.conv_transpose2d(x, w["weight"], w["bias"], (2, 2), (1, 1))),
        ("up2", "conv_transpose2d(x, out=4, kernel=[3, 2], stride=[3, 2], pad=[1, 0], output_padding=[2, 1], dilation=[1, 2], groups=2, bias=false)",
         {"weight": (4, 2, 3, 2)},
         lambda x, w: ref.conv_transpose2d(x, w["weight"], None, (3, 2), (1, 0), (2, 1), (1, 2), 2)),
        # Strided, undilated: one convolution per output phase. A kernel
        # smaller than the stride leaves phases with the bias alone.
        ("up4", "conv_transpose2d(x, out=4, kernel=2, stride=3, pad=[0, 1], output_padding=[2, 1], groups=2)",
         {"weight": (4, 2, 2, 2), "bias": (4,)},
         lambda x, w: ref.conv_transpose2d(x, w["weight"], w["bias"], (3, 3), (0, 1), (2, 1), (1, 1), 2)),
        ("up5", "conv_transpose2d(x, out=16, kernel=[5, 3], stride=[2, 3], pad=[2, 1], output_padding=1, bias=false)",
         {"weight": (4, 16, 5, 3)},
         lambda x, w: ref.conv_transpose2d(x, w["weight"], None, (2, 3), (2, 1), (1, 1))),
        ("up6", "conv_transpose2d(x, out=4, kernel=3, stride=2, groups=4)",
         {"weight": (4, 1, 3, 3), "bias": (4,)},
         lambda x, w: ref.conv_transpose2d(x, w["weight"], w["bias"], (2, 2), groups=4)),
        ("up3", "conv_transpose2d(x, out=2, kernel=1)",
         {"weight": (4, 2, 1, 1), "bias": (2,)},
         lambda x, w: ref.conv_transpose2d(x, w["weight"], w["bias"])),
        ("mp", "max_pool2d(x, kernel=3, stride=2, pad=1, ceil_mode=true)", {},
         lambda x, w: ref.max_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=True)),
        ("mp2", "max_pool2d(x, kernel=2, stride=2, ceil_mode=true)", {},
         lambda x, w: ref.max_pool2d(x, (2, 2), (2, 2), ceil_mode=True)),
        # The last ceil_mode window would start in the padding: dropped.
        ("mp3", "max_pool2d(x, kernel=2, stride=2, pad=1, ceil_mode=true)", {},
         lambda x, w: ref.max_pool2d(x, (2, 2), (2, 2), (1, 1, 1, 1), ceil_mode=True)),
        ("ap3", "avg_pool2d(x, kernel=2, stride=2, pad=1, ceil_mode=true)", {},
         lambda x, w: ref.avg_pool2d(x, (2, 2), (2, 2), (1, 1, 1, 1), ceil_mode=True)),
        ("ap", "avg_pool2d(x, kernel=3, stride=2, pad=1, ceil_mode=true)", {},
         lambda x, w: ref.avg_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=True)),
        ("ap2", "avg_pool2d(x, kernel=[2, 4], stride=[2, 3], ceil_mode=true, count_include_pad=false)", {},
         lambda x, w: ref.avg_pool2d(x, (2, 4), (2, 3), count_include_pad=False, ceil_mode=True)),
        ("gmp", "global_max_pool(x)", {}, lambda x, w: ref.global_max_pool(x)),
    ], r)

    # Upsampling and pixel shuffle.
    run(checker, (2, 8, 5, 7), [
        ("n2", "upsample(x, scale_factor=2)", {},
         lambda x, w: ref.upsample(x, scale_factor=2)),
        ("n15", "upsample(x, scale_factor=[1.5, 0.5])", {},
         lambda x, w: ref.upsample(x, scale_factor=[1.5, 0.5])),
        ("nsize", "upsample(x, size=[7, 16])", {},
         lambda x, w: ref.upsample(x, size=[7, 16])),
        ("b2", "upsample(x, scale_factor=2, mode=bilinear)", {},
         lambda x, w: ref.upsample(x, scale_factor=2, mode="bilinear")),
        ("b2a", "upsample(x, scale_factor=2, mode=bilinear, align_corners=true)", {},
         lambda x, w: ref.upsample(x, scale_factor=2, mode="bilinear", align_corners=True)),
        ("bsize", "upsample(x, size=[9, 4], mode=bilinear)", {},
         lambda x, w: ref.upsample(x, size=[9, 4], mode="bilinear")),
        ("bsizea", "upsample(x, size=[1, 11], mode=bilinear, align_corners=true)", {},
         lambda x, w: ref.upsample(x, size=[1, 11], mode="bilinear", align_corners=True)),
        ("ps", "pixel_shuffle(x, 2)", {}, lambda x, w: ref.pixel_shuffle(x, 2)),
    ], r)

    # Max pooling with indices and max-unpooling; integer-valued inputs so
    # that windows hold ties (the first maximum must win).
    x = r.integers(0, 4, (2, 3, 7, 9)).astype(np.float32)
    src = """model unpool(x: f32[2, 3, 7, 9]) -> (i1, u1, i2, u2, i3, u3) {
  p1 = max_pool2d(x, kernel=2)
  i1 = max_pool2d_indices(x, kernel=2)
  u1 = max_unpool2d(p1, i1, kernel=2, output_size=[7, 9])
  p2 = max_pool2d(x, kernel=3, stride=2, pad=1)
  i2 = max_pool2d_indices(x, kernel=3, stride=2, pad=1)
  u2 = max_unpool2d(relu(p2), i2, kernel=3, stride=2, pad=1, output_size=[7, 9])
  p3 = max_pool2d(x, kernel=2, stride=2, ceil_mode=true)
  i3 = max_pool2d_indices(x, kernel=[2, 3], stride=[2, 1], dilation=[2, 1], ceil_mode=true)
  u3 = max_unpool2d(p3, max_pool2d_indices(x, kernel=2, stride=2, ceil_mode=true), kernel=2, output_size=[7, 9])
  return i1, u1, i2, u2, i3, u3
}
"""
    outs = harness.compile_and_run(src, {"x": x})
    i1 = ref.max_pool2d_indices(x, (2, 2))
    i2 = ref.max_pool2d_indices(x, (3, 3), (2, 2), (1, 1, 1, 1))
    i3 = ref.max_pool2d_indices(x, (2, 3), (2, 1), dilation=(2, 1), ceil_mode=True)
    i3b = ref.max_pool2d_indices(x, (2, 2), (2, 2), ceil_mode=True)
    checker.check("max_pool2d_indices(kernel=2)", outs["i1"], i1, rtol=0, atol=0)
    checker.check("max_unpool2d(kernel=2)", outs["u1"],
                  ref.max_unpool2d(ref.max_pool2d(x, (2, 2)), i1, (7, 9)))
    checker.check("max_pool2d_indices(kernel=3, stride=2, pad=1)", outs["i2"], i2,
                  rtol=0, atol=0)
    checker.check("max_unpool2d of overlapping windows", outs["u2"],
                  ref.max_unpool2d(ref.max_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1)), i2, (7, 9)))
    checker.check("max_pool2d_indices(dilation, ceil_mode)", outs["i3"], i3,
                  rtol=0, atol=0)
    checker.check("max_unpool2d(ceil_mode)", outs["u3"],
                  ref.max_unpool2d(ref.max_pool2d(x, (2, 2), (2, 2), ceil_mode=True), i3b, (7, 9)))

    # 3-D: [N, C, D, H, W]
    run(checker, (1, 4, 5, 6, 7), [
        ("v1", "conv3d(x, out=3, kernel=3, pad=1)", {"weight": (3, 4, 3, 3, 3), "bias": (3,)},
         lambda x, w: ref.conv3d(x, w["weight"], w["bias"], pad=(1,) * 6)),
        ("v2", "conv3d(x, out=4, kernel=[2, 3, 1], stride=[1, 2, 3], dilation=[2, 1, 1], pad=[0, 1, 0, 1, 0, 2], groups=2, bias=false)",
         {"weight": (4, 2, 2, 3, 1)},
         lambda x, w: ref.conv3d(x, w["weight"], None, (1, 2, 3), (0, 1, 0, 1, 0, 2), (2, 1, 1), 2)),
    ], r)
    # Large enough for the vectorized 2-D schedules the depth planes get
    # (channels in lanes for 32 filters), two images, depth strides whose
    # planes come from both phases of the reordered input.
    run(checker, (2, 16, 7, 9, 10), [
        ("v3", "relu(conv3d(x, out=32, kernel=3, stride=[2, 1, 1], pad=1))",
         {"weight": (32, 16, 3, 3, 3), "bias": (32,)},
         lambda x, w: np.maximum(ref.conv3d(x, w["weight"], w["bias"], (2, 1, 1), (1,) * 6), 0)),
        ("v4", "conv3d(x, out=16, kernel=[3, 3, 2], stride=[3, 2, 1], dilation=[2, 1, 2], pad=[2, 0, 1, 2, 1, 0], bias=false)",
         {"weight": (16, 16, 3, 3, 2)},
         lambda x, w: ref.conv3d(x, w["weight"], None, (3, 2, 1), (2, 0, 1, 2, 1, 0), (2, 1, 2))),
        ("v5", "conv3d(x, out=8, kernel=1, stride=2)", {"weight": (8, 16, 1, 1, 1), "bias": (8,)},
         lambda x, w: ref.conv3d(x, w["weight"], w["bias"], (2, 2, 2))),
        # Grouped, a batch of 7 x 2 = 14 depth planes: more than the 8
        # images a grouped schedule takes (linalg's grouped op, loops).
        ("v6", "conv3d(x, out=8, kernel=[1, 3, 3], pad=[0, 1, 1], groups=4)",
         {"weight": (8, 4, 1, 3, 3), "bias": (8,)},
         lambda x, w: ref.conv3d(x, w["weight"], w["bias"], pad=(0, 1, 1, 0, 1, 1), groups=4)),
    ], r)
    checker.finish()


if __name__ == "__main__":
    main()
