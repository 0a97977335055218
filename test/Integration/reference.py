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


NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad_mode(x, pad, mode):
    """Pads the spatial dims ([lo..., hi...]) as PyTorch's padding_mode."""
    n = x.ndim - 2
    widths = [(0, 0), (0, 0)] + [(pad[i], pad[n + i]) for i in range(n)]
    if mode == "zeros":
        return np.pad(x, widths)
    return np.pad(x, widths, mode=NUMPY_PAD_MODES[mode])


def conv1d(x, w, b=None, stride=1, pad=(0, 0), dilation=1, groups=1):
    out = conv2d(x[:, :, None, :], w[:, :, None, :], b, (1, stride),
                 (0, pad[0], 0, pad[1]), (1, dilation), groups)
    return out[:, :, 0, :]


def conv3d(x, w, b=None, stride=(1, 1, 1), pad=(0,) * 6, dilation=(1, 1, 1),
           groups=1):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    f, cg = w.shape[:2]
    xp = pad_mode(x, pad, "zeros")
    k = w.shape[2:]
    o = [out_size(x.shape[2 + i], pad[i] + pad[3 + i], k[i], stride[i],
                  dilation[i]) for i in range(3)]
    out = np.zeros((x.shape[0], f) + tuple(o))
    fg = f // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for i in range(k[0]):
            for j in range(k[1]):
                for l in range(k[2]):
                    s0, s1, s2 = i * dilation[0], j * dilation[1], l * dilation[2]
                    win = xs[:, :,
                             s0:s0 + stride[0] * (o[0] - 1) + 1:stride[0],
                             s1:s1 + stride[1] * (o[1] - 1) + 1:stride[1],
                             s2:s2 + stride[2] * (o[2] - 1) + 1:stride[2]]
                    out[:, g * fg:(g + 1) * fg] += np.einsum(
                        "ncdhw,fc->nfdhw", win, w[g * fg:(g + 1) * fg, :, i, j, l])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None, None]
    return out


def conv_transpose2d(x, w, b=None, stride=(1, 1), pad=(0, 0),
                     output_padding=(0, 0), dilation=(1, 1), groups=1):
    """Each input element scatters x * w[c, f] into the output (PyTorch's
    ConvTranspose2d); the full result is then cropped by pad."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    cg, fg, kh, kw = c // groups, w.shape[1], w.shape[2], w.shape[3]
    full = ((h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0],
            (wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1])
    out = np.zeros((n, fg * groups) + full)
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("nchw,cf->nfhw", x[:, g * cg:(g + 1) * cg],
                                    w[g * cg:(g + 1) * cg, :, i, j])
                y0, x0 = i * dilation[0], j * dilation[1]
                out[:, g * fg:(g + 1) * fg,
                    y0:y0 + stride[0] * (h - 1) + 1:stride[0],
                    x0:x0 + stride[1] * (wd - 1) + 1:stride[1]] += contrib
    out = out[:, :, pad[0]:full[0] - pad[0], pad[1]:full[1] - pad[1]]
    if b is not None:
        out = out + b.astype(np.float64)[None, :, None, None]
    return out


def conv_transpose1d(x, w, b=None, stride=1, pad=0, output_padding=0,
                     dilation=1, groups=1):
    out = conv_transpose2d(x[:, :, None, :], w[:, :, None, :], b, (1, stride),
                           (0, pad), (0, output_padding), (1, dilation), groups)
    return out[:, :, 0, :]


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


def pool_out_size(n, lo, hi, k, s, d, ceil):
    """PyTorch's pooling output size; with ceil_mode a last window that
    would start in the trailing padding is dropped."""
    span = n + lo + hi - d * (k - 1) - 1
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + lo:
        o -= 1
    return o


def _pool(x, kernel, stride, pad, dilation, fill, reduce, ceil=False):
    x = x.astype(np.float64)
    n, c, h, wd = x.shape
    oh = pool_out_size(h, pad[0], pad[2], kernel[0], stride[0], dilation[0], ceil)
    ow = pool_out_size(wd, pad[1], pad[3], kernel[1], stride[1], dilation[1], ceil)
    # Room for ceil_mode's partial last windows, filled like padding.
    extra_h = max(0, (oh - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 - (h + pad[0] + pad[2]))
    extra_w = max(0, (ow - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 - (wd + pad[1] + pad[3]))
    xp = pad_nchw(x, (pad[0], pad[1], pad[2] + extra_h, pad[3] + extra_w), fill)
    out = np.zeros((n, c, oh, ow))
    for y in range(oh):
        for xx in range(ow):
            ys = y * stride[0] + np.arange(kernel[0]) * dilation[0]
            xs = xx * stride[1] + np.arange(kernel[1]) * dilation[1]
            out[:, :, y, xx] = reduce(xp[:, :, ys][:, :, :, xs], y, xx)
    return out


def max_pool2d(x, kernel, stride=None, pad=(0, 0, 0, 0), dilation=(1, 1),
               ceil_mode=False):
    stride = stride or kernel
    return _pool(x, kernel, stride, pad, dilation, -np.inf,
                 lambda win, y, xx: win.max(axis=(2, 3)), ceil_mode)


def avg_pool2d(x, kernel, stride=None, pad=(0, 0, 0, 0),
               count_include_pad=True, ceil_mode=False):
    """The divisor, as PyTorch: the window's extent clipped to the padded
    input, or without count_include_pad to the input itself."""
    stride = stride or kernel
    size = x.shape[2:]

    def extent(o, i):
        start = o * stride[i] - pad[i]
        end = min(start + kernel[i], size[i] + pad[2 + i])
        if not count_include_pad:
            start, end = max(start, 0), min(end, size[i])
        return end - start

    def mean(win, y, xx):
        return win.sum(axis=(2, 3)) / (extent(y, 0) * extent(xx, 1))

    return _pool(x, kernel, stride, pad, (1, 1), 0.0, mean, ceil_mode)


def global_max_pool(x):
    return x.max(axis=(2, 3), keepdims=True)


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


def _source_scale(n_in, n_out, align_corners, factor):
    """PyTorch's area_pixel_compute_scale, in float32 as for float tensors."""
    if align_corners:
        return np.float32((n_in - 1) / (n_out - 1)) if n_out > 1 else np.float32(0)
    return np.float32(1.0 / factor) if factor else np.float32(n_in / n_out)


def upsample(x, size=None, scale_factor=None, mode="nearest",
             align_corners=False):
    """PyTorch's interpolate for nearest and bilinear, written from
    UpSample*.cpp: source index per output pixel, then a gather (nearest) or
    a blend of the four neighbours (bilinear)."""
    n, c, h, w = x.shape
    factors = scale_factor if isinstance(scale_factor, (list, tuple)) else [scale_factor] * 2
    if size is None:
        size = [int(np.floor(dim * f)) for dim, f in zip((h, w), factors)]
    out = np.zeros((n, c) + tuple(size), np.float64)
    rows, cols = [], []
    for axis, (n_in, n_out) in enumerate(zip((h, w), size)):
        scale = _source_scale(n_in, n_out, align_corners and mode == "bilinear",
                              factors[axis] if scale_factor else None)
        dst = np.arange(n_out, dtype=np.float32)
        if mode == "nearest":
            lo = np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)
            (rows if axis == 0 else cols).append((lo, lo, np.zeros(n_out)))
            continue
        src = dst * scale if align_corners else np.maximum(
            (dst + np.float32(0.5)) * scale - np.float32(0.5), np.float32(0))
        lo = np.minimum(src.astype(np.int64), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        (rows if axis == 0 else cols).append((lo, hi, (src - lo).astype(np.float64)))
    (r0, r1, lr), (c0, c1, lc) = rows[0], cols[0]
    xd = x.astype(np.float64)
    top = (1 - lc) * xd[:, :, r0][:, :, :, c0] + lc * xd[:, :, r0][:, :, :, c1]
    bottom = (1 - lc) * xd[:, :, r1][:, :, :, c0] + lc * xd[:, :, r1][:, :, :, c1]
    lr = lr[:, None]
    return (1 - lr) * top + lr * bottom


def pixel_shuffle(x, r):
    n, c, h, w = x.shape
    y = x.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c // (r * r), h * r, w * r)


def max_pool2d_indices(x, kernel, stride=None, pad=(0, 0, 0, 0),
                       dilation=(1, 1), ceil_mode=False):
    """PyTorch's return_indices: the flat h * W + w of the first maximum in
    row-major window order, over the window's positions inside the input."""
    stride = stride or kernel
    n, c, h, w = x.shape
    oh = pool_out_size(h, pad[0], pad[2], kernel[0], stride[0], dilation[0], ceil_mode)
    ow = pool_out_size(w, pad[1], pad[3], kernel[1], stride[1], dilation[1], ceil_mode)
    out = np.zeros((n, c, oh, ow), np.int64)
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for xx in range(ow):
                    best, where = -np.inf, -1
                    for i in range(kernel[0]):
                        for j in range(kernel[1]):
                            r = y * stride[0] - pad[0] + i * dilation[0]
                            q = xx * stride[1] - pad[1] + j * dilation[1]
                            if 0 <= r < h and 0 <= q < w:
                                v = x[b, ch, r, q]
                                if where < 0 or v > best or np.isnan(v):
                                    best, where = v, r * w + q
                    out[b, ch, y, xx] = where
    return out


def max_unpool2d(values, indices, size):
    """PyTorch's MaxUnpool2d: a scatter into zeros by flat index."""
    n, c = values.shape[:2]
    out = np.zeros((n, c, size[0] * size[1]))
    for b in range(n):
        for ch in range(c):
            out[b, ch, indices[b, ch].ravel()] = values[b, ch].ravel()
    return out.reshape(n, c, size[0], size[1])
