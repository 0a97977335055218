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
    for name, shapes, input_shape, forward in [
            ("lenet5", LENET5_WEIGHTS, (1, 1, 32, 32), lenet5),
            ("vgg_block", VGG_WEIGHTS, (1, 3, 64, 64), vgg_block)]:
        with open(os.path.join(EXAMPLES, name + ".cnn")) as f:
            source = f.read()
        w = weights_for(shapes, r)
        x = r.standard_normal(input_shape).astype(np.float32)
        outs = harness.compile_and_run(source, {"x": x}, w, name=name)
        for key, want in forward(x, w).items():
            checker.check(f"{name}.{key}", outs[key], want)
    checker.finish()


if __name__ == "__main__":
    main()
