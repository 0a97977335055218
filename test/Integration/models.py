"""ResNet-18 and MobileNetV2 from examples/, with weights named and shaped
as torchvision's state_dict (written out here, independently of the .cnn
files), compared with NumPy forward passes of the same networks."""
import os
import sys

import numpy as np

import harness
import reference as ref

EXAMPLES = sys.argv[1]
# models.py EXAMPLES [NAME...]: only the models named (default: both).
ONLY = set(sys.argv[2:])


class Weights(dict):
    def __init__(self, rng):
        super().__init__()
        self.rng = rng

    def conv(self, name, cout, cin, k):
        fan_in = cin * k * k
        self[name + ".weight"] = (self.rng.standard_normal((cout, cin, k, k)) *
                                  np.sqrt(2.0 / fan_in)).astype(np.float32)

    def bn(self, name, c):
        r = self.rng
        self[name + ".weight"] = r.uniform(0.5, 1.5, c).astype(np.float32)
        self[name + ".bias"] = r.uniform(-0.1, 0.1, c).astype(np.float32)
        self[name + ".running_mean"] = r.uniform(-0.1, 0.1, c).astype(np.float32)
        self[name + ".running_var"] = r.uniform(0.5, 1.5, c).astype(np.float32)
        self[name + ".num_batches_tracked"] = np.zeros((), np.float32)

    def linear(self, name, cout, cin):
        self[name + ".weight"] = (self.rng.standard_normal((cout, cin)) /
                                  np.sqrt(cin)).astype(np.float32)
        self[name + ".bias"] = self.rng.uniform(-0.1, 0.1, cout).astype(np.float32)


def bn(x, w, name):
    return ref.batch_norm(x, w[name + ".weight"], w[name + ".bias"],
                          w[name + ".running_mean"], w[name + ".running_var"])


# ---- ResNet-18 --------------------------------------------------------------

RESNET_STAGES = [(64, 1), (128, 2), (256, 2), (512, 2)]


def resnet18_weights(rng):
    w = Weights(rng)
    w.conv("conv1", 64, 3, 7)
    w.bn("bn1", 64)
    cin = 64
    for i, (c, stride) in enumerate(RESNET_STAGES, 1):
        for j in range(2):
            p = f"layer{i}.{j}"
            w.conv(p + ".conv1", c, cin if j == 0 else c, 3)
            w.bn(p + ".bn1", c)
            w.conv(p + ".conv2", c, c, 3)
            w.bn(p + ".bn2", c)
            if j == 0 and stride != 1:
                w.conv(p + ".downsample.0", c, cin, 1)
                w.bn(p + ".downsample.1", c)
        cin = c
    w.linear("fc", 1000, 512)
    return w


def resnet18(x, w):
    y = ref.relu(bn(ref.conv2d(x, w["conv1.weight"], stride=(2, 2),
                               pad=(3, 3, 3, 3)), w, "bn1"))
    y = ref.max_pool2d(y, (3, 3), (2, 2), (1, 1, 1, 1))
    for i, (c, stride) in enumerate(RESNET_STAGES, 1):
        for j in range(2):
            p = f"layer{i}.{j}"
            s = (stride, stride) if j == 0 else (1, 1)
            h = ref.relu(bn(ref.conv2d(y, w[p + ".conv1.weight"], stride=s,
                                       pad=(1, 1, 1, 1)), w, p + ".bn1"))
            h = bn(ref.conv2d(h, w[p + ".conv2.weight"], pad=(1, 1, 1, 1)),
                   w, p + ".bn2")
            if p + ".downsample.0.weight" in w:
                y = bn(ref.conv2d(y, w[p + ".downsample.0.weight"], stride=s),
                       w, p + ".downsample.1")
            y = ref.relu(h + y)
    y = ref.flatten(ref.global_avg_pool(y))
    return ref.linear(y, w["fc.weight"], w["fc.bias"])


# ---- MobileNetV2 ------------------------------------------------------------

# (expansion t, channels c, repeats n, first stride s), as in the paper.
MOBILENET_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2),
                      (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                      (6, 320, 1, 1)]


def mobilenet_blocks():
    cin, idx = 32, 1
    for t, c, n, s in MOBILENET_SETTINGS:
        for i in range(n):
            yield idx, t, cin, c, s if i == 0 else 1
            cin, idx = c, idx + 1


def mobilenet_v2_weights(rng):
    w = Weights(rng)
    w.conv("features.0.0", 32, 3, 3)
    w.bn("features.0.1", 32)
    for idx, t, cin, c, s in mobilenet_blocks():
        p, hidden = f"features.{idx}.conv", cin * t
        layer = 0
        if t != 1:
            w.conv(f"{p}.0.0", hidden, cin, 1)
            w.bn(f"{p}.0.1", hidden)
            layer = 1
        # depthwise: one input channel per group
        w[f"{p}.{layer}.0.weight"] = (rng.standard_normal((hidden, 1, 3, 3)) *
                                      np.sqrt(2.0 / 9)).astype(np.float32)
        w.bn(f"{p}.{layer}.1", hidden)
        w.conv(f"{p}.{layer + 1}", c, hidden, 1)
        w.bn(f"{p}.{layer + 2}", c)
    w.conv("features.18.0", 1280, 320, 1)
    w.bn("features.18.1", 1280)
    w.linear("classifier.1", 1000, 1280)
    return w


def mobilenet_v2(x, w):
    y = ref.relu6(bn(ref.conv2d(x, w["features.0.0.weight"], stride=(2, 2),
                                pad=(1, 1, 1, 1)), w, "features.0.1"))
    for idx, t, cin, c, s in mobilenet_blocks():
        p, hidden, h, layer = f"features.{idx}.conv", cin * t, y, 0
        if t != 1:
            h = ref.relu6(bn(ref.conv2d(h, w[f"{p}.0.0.weight"]), w, f"{p}.0.1"))
            layer = 1
        h = ref.relu6(bn(ref.conv2d(h, w[f"{p}.{layer}.0.weight"], stride=(s, s),
                                    pad=(1, 1, 1, 1), groups=hidden),
                         w, f"{p}.{layer}.1"))
        h = bn(ref.conv2d(h, w[f"{p}.{layer + 1}.weight"]), w, f"{p}.{layer + 2}")
        y = y + h if s == 1 and cin == c else h
    y = ref.relu6(bn(ref.conv2d(y, w["features.18.0.weight"]), w, "features.18.1"))
    y = ref.flatten(ref.global_avg_pool(y))
    return ref.linear(y, w["classifier.1.weight"], w["classifier.1.bias"])


def main():
    checker = harness.Checker()
    for seed, (name, make_weights, forward) in enumerate([
            ("resnet18", resnet18_weights, resnet18),
            ("mobilenet_v2", mobilenet_v2_weights, mobilenet_v2)]):
        if ONLY and name not in ONLY:
            continue
        r = harness.rng(5 + seed)  # a model's numbers whatever else runs
        with open(os.path.join(EXAMPLES, name + ".cnn")) as f:
            source = f.read()
        w = make_weights(r)
        x = r.standard_normal((1, 3, 224, 224)).astype(np.float32)
        outs = harness.compile_and_run(source, {"x": x}, dict(w), name=name)
        want = forward(x, w)
        # Deep float32 sums: compare relative to the logits' scale.
        scale = np.abs(want).max()
        checker.check(f"{name}.logits", outs["logits"], want,
                      rtol=1e-3, atol=1e-4 * scale)
    checker.finish()


if __name__ == "__main__":
    main()
