"""The models in examples/, compiled with weights from a safetensors file
and compared with the same network written with the reference layers."""
import os
import sys

import numpy as np

import harness
import reference as ref

EXAMPLES = sys.argv[1]


def lenet5(x, w):
    a1 = ref.relu(ref.conv2d(x, w["c1.weight"], w["c1.bias"]))
    s2 = ref.avg_pool2d(a1, (2, 2))
    a3 = ref.relu(ref.conv2d(s2, w["c3.weight"], w["c3.bias"]))
    s4 = ref.avg_pool2d(a3, (2, 2))
    a5 = ref.relu(ref.linear(ref.flatten(s4), w["f5.weight"], w["f5.bias"]))
    a6 = ref.relu(ref.linear(a5, w["f6.weight"], w["f6.bias"]))
    return {"logits": ref.linear(a6, w["f7.weight"], w["f7.bias"])}


LENET5_WEIGHTS = {"c1": (6, 1, 5, 5), "c3": (16, 6, 5, 5), "f5": (120, 400),
                  "f6": (84, 120), "f7": (10, 84)}


def vgg_block(x, w):
    p = (1, 1, 1, 1)
    r1 = ref.relu(ref.conv2d(x, w["conv1.weight"], w["conv1.bias"], pad=p))
    r2 = ref.relu(ref.conv2d(r1, w["conv2.weight"], w["conv2.bias"], pad=p))
    return {"y": ref.max_pool2d(r2, (2, 2), (2, 2))}


VGG_WEIGHTS = {"conv1": (32, 3, 3, 3), "conv2": (32, 32, 3, 3)}


def bn_weights(w, name, c, r):
    w[name + ".weight"] = r.uniform(0.5, 1.5, c).astype(np.float32)
    w[name + ".bias"] = r.uniform(-0.1, 0.1, c).astype(np.float32)
    w[name + ".running_mean"] = r.uniform(-0.1, 0.1, c).astype(np.float32)
    w[name + ".running_var"] = r.uniform(0.5, 1.5, c).astype(np.float32)


def bn(x, w, name):
    return ref.batch_norm(x, w[name + ".weight"], w[name + ".bias"],
                          w[name + ".running_mean"], w[name + ".running_var"])


def unet_weights(r):
    w = {}
    for stage, (cin, cout) in enumerate([(256, 128), (128, 64), (64, 32)], 1):
        p = f"up{stage}"
        w[p + ".up.weight"] = (r.standard_normal((cin, cout, 2, 2)) /
                               np.sqrt(cout * 4)).astype(np.float32)
        w[p + ".up.bias"] = r.uniform(-0.1, 0.1, cout).astype(np.float32)
        w[p + ".conv.double_conv.0.weight"] = (r.standard_normal((cout, 2 * cout, 3, 3)) /
                                               np.sqrt(2 * cout * 9)).astype(np.float32)
        bn_weights(w, p + ".conv.double_conv.1", cout, r)
        w[p + ".conv.double_conv.3.weight"] = (r.standard_normal((cout, cout, 3, 3)) /
                                               np.sqrt(cout * 9)).astype(np.float32)
        bn_weights(w, p + ".conv.double_conv.4", cout, r)
    w["outc.conv.weight"] = (r.standard_normal((2, 32, 1, 1)) / 6).astype(np.float32)
    w["outc.conv.bias"] = r.uniform(-0.1, 0.1, 2).astype(np.float32)
    return w


def unet_decoder(inputs, w):
    y = inputs["x4"]
    for stage, skip in enumerate(["x3", "x2", "x1"], 1):
        p = f"up{stage}"
        up = ref.conv_transpose2d(y, w[p + ".up.weight"], w[p + ".up.bias"], (2, 2))
        h = np.concatenate([inputs[skip], up], axis=1)
        h = ref.relu(bn(ref.conv2d(h, w[p + ".conv.double_conv.0.weight"], pad=(1,) * 4),
                        w, p + ".conv.double_conv.1"))
        y = ref.relu(bn(ref.conv2d(h, w[p + ".conv.double_conv.3.weight"], pad=(1,) * 4),
                        w, p + ".conv.double_conv.4"))
    return {"logits": ref.conv2d(y, w["outc.conv.weight"], w["outc.conv.bias"])}


DCGAN_LAYERS = [(100, 512, 1, 0), (512, 256, 2, 1), (256, 128, 2, 1),
                (128, 64, 2, 1), (64, 3, 2, 1)]  # (in, out, stride, pad)


def dcgan_weights(r):
    w = {}
    for i, (cin, cout, _, _) in enumerate(DCGAN_LAYERS):
        w[f"main.{3 * i}.weight"] = (r.standard_normal((cin, cout, 4, 4)) *
                                     0.02 * 5).astype(np.float32)
        if i < 4:
            bn_weights(w, f"main.{3 * i + 1}", cout, r)
    return w


def dcgan_generator(inputs, w):
    y = inputs["z"]
    for i, (_, _, s, p) in enumerate(DCGAN_LAYERS):
        y = ref.conv_transpose2d(y, w[f"main.{3 * i}.weight"], None, (s, s), (p, p))
        y = ref.relu(bn(y, w, f"main.{3 * i + 1}")) if i < 4 else np.tanh(y)
    return {"image": y}


def weights_for(shapes, r):
    w = {}
    for layer, shape in shapes.items():
        fan_in = int(np.prod(shape[1:]))
        w[layer + ".weight"] = (r.standard_normal(shape) /
                                np.sqrt(fan_in)).astype(np.float32)
        w[layer + ".bias"] = r.standard_normal(shape[0]).astype(np.float32) * 0.1
    return w


def main():
    checker = harness.Checker()
    r = harness.rng(3)
    for name, make_weights, input_shapes, forward in [
            ("lenet5", lambda r: weights_for(LENET5_WEIGHTS, r),
             {"x": (1, 1, 32, 32)}, lambda i, w: lenet5(i["x"], w)),
            ("vgg_block", lambda r: weights_for(VGG_WEIGHTS, r),
             {"x": (1, 3, 64, 64)}, lambda i, w: vgg_block(i["x"], w)),
            ("unet_decoder", unet_weights,
             {"x4": (1, 256, 8, 8), "x3": (1, 128, 16, 16),
              "x2": (1, 64, 32, 32), "x1": (1, 32, 64, 64)}, unet_decoder),
            ("dcgan_generator", dcgan_weights, {"z": (1, 100, 1, 1)},
             dcgan_generator)]:
        with open(os.path.join(EXAMPLES, name + ".cnn")) as f:
            source = f.read()
        w = make_weights(r)
        inputs = {k: r.standard_normal(s).astype(np.float32)
                  for k, s in input_shapes.items()}
        outs = harness.compile_and_run(source, inputs, w, name=name)
        # float32 sums of up to ~8k terms against float64: 1e-4 of the
        # output's scale.
        for key, want in forward(inputs, w).items():
            checker.check(f"{name}.{key}", outs[key], want, rtol=1e-3,
                          atol=1e-4 * max(1.0, np.abs(want).max()))
    checker.finish()


if __name__ == "__main__":
    main()
