"""Pooling, linear, flatten, global pooling, relu and add over a grid of
their parameters, compared with the reference."""
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
    ("global_avg_pool(x)", ref.global_avg_pool),
    ("relu(x)", ref.relu),
    ("add(x, relu(x))", lambda x: x + ref.relu(x)),
]


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
    checker.finish()


if __name__ == "__main__":
    main()
