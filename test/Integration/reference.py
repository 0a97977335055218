"""Reference implementations of convc's layers, written from the formulas.

Plain NumPy loops over the kernel window (never im2col or a library conv),
computed in float64, so they share nothing with the code under test.
Padding is [top, left, bottom, right], as in the .cnn language.
"""
import numpy as np


def out_size(n, pad_total, k, s, d):
    return (n + pad_total - d * (k - 1) - 1) // s + 1


def pad_nchw(x, pad, value=0.0):
    t, l, b, r = pad
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def conv2d(x, w, b=None, stride=(1, 1), pad=(0, 0, 0, 0), dilation=(1, 1),
           groups=1):
    """out[n,f,y,x] = b[f] + sum_{c,i,j} xp[n, g*Cg+c, y*sh+i*dh, x*sw+j*dw] w[f,c,i,j]"""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    assert cg * groups == c and f % groups == 0
    xp = pad_nchw(x, pad)
    oh = out_size(h, pad[0] + pad[2], kh, stride[0], dilation[0])
    ow = out_size(wd, pad[1] + pad[3], kw, stride[1], dilation[1])
    out = np.zeros((n, f, oh, ow))
    fg = f // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * fg:(g + 1) * fg]
        for i in range(kh):
            for j in range(kw):
                y0, x0 = i * dilation[0], j * dilation[1]
                window = xs[:, :, y0:y0 + stride[0] * (oh - 1) + 1:stride[0],
                            x0:x0 + stride[1] * (ow - 1) + 1:stride[1]]
                # sum over the group's input channels c
                out[:, g * fg:(g + 1) * fg] += np.einsum(
                    "nchw,fc->nfhw", window, ws[:, :, i, j])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out


def _pool(x, kernel, stride, pad, dilation, fill, reduce):
    x = x.astype(np.float64)
    n, c, h, wd = x.shape
    xp = pad_nchw(x, pad, fill)
    oh = out_size(h, pad[0] + pad[2], kernel[0], stride[0], dilation[0])
    ow = out_size(wd, pad[1] + pad[3], kernel[1], stride[1], dilation[1])
    out = np.zeros((n, c, oh, ow))
    for y in range(oh):
        for xx in range(ow):
            ys = y * stride[0] + np.arange(kernel[0]) * dilation[0]
            xs = xx * stride[1] + np.arange(kernel[1]) * dilation[1]
            out[:, :, y, xx] = reduce(xp[:, :, ys][:, :, :, xs], y, xx)
    return out


def max_pool2d(x, kernel, stride=None, pad=(0, 0, 0, 0), dilation=(1, 1)):
    stride = stride or kernel
    return _pool(x, kernel, stride, pad, dilation, -np.inf,
                 lambda win, y, xx: win.max(axis=(2, 3)))


def avg_pool2d(x, kernel, stride=None, pad=(0, 0, 0, 0),
               count_include_pad=True):
    stride = stride or kernel
    h, w = x.shape[2], x.shape[3]

    def mean(win, y, xx):
        if count_include_pad:
            count = kernel[0] * kernel[1]
        else:  # window positions that fall inside the unpadded input
            y0, x0 = y * stride[0] - pad[0], xx * stride[1] - pad[1]
            count = ((min(y0 + kernel[0], h) - max(y0, 0)) *
                     (min(x0 + kernel[1], w) - max(x0, 0)))
        return win.sum(axis=(2, 3)) / count

    return _pool(x, kernel, stride, pad, (1, 1), 0.0, mean)


def global_avg_pool(x):
    return x.astype(np.float64).mean(axis=(2, 3), keepdims=True)


def linear(x, w, b=None):
    out = x.astype(np.float64) @ w.astype(np.float64).T
    return out if b is None else out + b.astype(np.float64)


def relu(x):
    return np.maximum(x, 0)


def flatten(x):
    return x.reshape(x.shape[0], -1)


def batch_norm(x, weight, bias, mean, var, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x = x.astype(np.float64)
    scale = weight.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
    return (x - mean.reshape(shape)) * scale.reshape(shape) + bias.reshape(shape)


def relu6(x):
    return np.clip(x, 0, 6)


def sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


def silu(x):
    return x * sigmoid(x)


def hardswish(x):
    return x * relu6(x + 3) / 6


def leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def softmax(x, dim=1):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)
