"""Padding and size conventions of TensorFlow, Keras and JAX, next to torch's.

Standard library only, like :mod:`convanim.core.shapes`. torch is the default everywhere in convanim;
this module answers "what would TF/Keras/JAX do with the same layer?":

* TF ``SAME`` (and JAX ``SAME``): output ``⌈L/s⌉`` whatever the kernel; the total padding
  ``max((out−1)s + K − L, 0)`` depends on ``L`` when ``s > 1`` and its odd element goes at the
  end (bottom/right). JAX ``SAME_LOWER`` puts it at the start.
* TF ``VALID``: ``trunc((L − K + s)/s)`` (C++ division), so it returns 0, not an error, when
  ``K − 2s < L < K``; only a negative result raises. JAX clips at 0 and never raises.
* Keras: ``valid`` raises on an output ``≤ 0``; ``causal`` (Conv1D only) left-pads ``d(k−1)``;
  ``strides > 1`` together with ``dilation_rate > 1`` is refused.
* Transposed: the output shapes ``tf.nn.conv2d_transpose`` accepts, Keras
  ``Conv*Transpose`` sizes (with and without ``output_padding``), JAX ``lax.conv_transpose``.

>>> same_padding(6, 3, 2), same_padding(5, 3, 2)    # TF SAME depends on L when s > 1
((0, 1), (1, 1))
>>> tf_conv_output_size(3, 6, 2, "VALID")             # truncation: 0, not an error
0
>>> keras_transposed_output_size(5, 4, 2, "same"), keras_transposed_output_size(5, 4, 2, "same", output_padding=1)
(10, 9)
"""

from __future__ import annotations

from collections.abc import Sequence

from convanim.core.dims import (
    Dims,
    PaddedWindow,
    check_input_sizes,
    conv_args,
    effective_kernel,
    per_dim,
)
from convanim.core.params import FRAMEWORKS
from convanim.core.record import record

__all__ = [
    "FRAMEWORKS",
    "FrameworkDim",
    "same_padding",
    "tf_conv_output_size",
    "keras_conv_output_size",
    "jax_conv_output_size",
    "framework_conv_geometry",
    "framework_pool_geometry",
    "tf_conv_transpose_output_range",
    "keras_transposed_output_size",
    "jax_conv_transpose_output_size",
    "framework_transposed_sizes",
]

#: One dimension's padding in TF and JAX: a word (``SAME``, ``VALID``, JAX's ``SAME_LOWER``), an
#: int for both sides, or a ``(before, after)`` pair.
OnePadding = str | int | tuple[int, int]


def _trunc_div(a: int, b: int) -> int:
    """C++ integer division (rounds toward zero), which TF's size code uses."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def same_padding(
    size: int, kernel: int, stride: int = 1, dilation: int = 1, lower: bool = False
) -> tuple[int, int]:
    """``(before, after)`` padding of TF/Keras/JAX ``SAME`` (``lower=True``: JAX ``SAME_LOWER``).

    The output is ``⌈L/s⌉``; the total padding is whatever makes the last window fit. At stride
    1 it equals torch's ``padding='same'`` split.

    >>> same_padding(5, 4, 1), same_padding(5, 4, 1, lower=True)
    ((1, 2), (2, 1))
    >>> same_padding(5, 1, 3)   # the kernel is smaller than the stride: no padding
    (0, 0)
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    small, big = total // 2, total - total // 2
    return (big, small) if lower else (small, big)


def tf_conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: OnePadding = "VALID", dilation: int = 1
) -> int:
    """Output length of ``tf.nn.conv*d`` / ``tf.nn.*pool*`` (``GetWindowedOutputSizeVerbose``).

    ``padding`` is ``"SAME"``, ``"VALID"`` or explicit (an int or a ``(before, after)`` pair).

    >>> tf_conv_output_size(5, 3, 2, "SAME"), tf_conv_output_size(5, 3, 2, "VALID")
    (3, 2)
    >>> tf_conv_output_size(3, 6, 1, "VALID")
    Traceback (most recent call last):
    ...
    ValueError: Computed output size would be negative: -2 [input_size: 3, effective_filter_size: 6, stride: 1]
    """
    K = effective_kernel(kernel, dilation)
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "SAME":
            return -(-size // stride)
        if mode != "VALID":
            raise ValueError(
                f"TF padding must be 'SAME', 'VALID' or explicit pairs, got {padding!r}"
            )
        before = after = 0
    elif isinstance(padding, int):
        before = after = padding
    else:
        before, after = padding
    if before < 0 or after < 0:
        raise ValueError("explicit padding must be non-negative in TF")
    out = _trunc_div(size + before + after - K + stride, stride)
    if out < 0:
        raise ValueError(
            f"Computed output size would be negative: {out} [input_size: {size}, "
            f"effective_filter_size: {K}, stride: {stride}]"
        )
    return out


def keras_conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: str = "valid", dilation: int = 1
) -> int:
    """Output length of a Keras 3 ``Conv1D/2D/3D`` layer (``valid``, ``same``, ``causal``).

    >>> keras_conv_output_size(5, 3, 2, "causal"), keras_conv_output_size(5, 3, 1, "causal", 2)
    (3, 5)
    >>> keras_conv_output_size(5, 6)
    Traceback (most recent call last):
    ...
    ValueError: Computed output size would be zero or negative (Keras Conv valid: L=5, K=6, strides=1)
    """
    mode = padding.lower()
    if stride > 1 and dilation > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides=[{stride}] and dilation_rate=[{dilation}]"
        )
    if mode in ("same", "causal"):
        return -(-size // stride)
    if mode != "valid":
        raise ValueError(
            "The `padding` argument must be a list/tuple or one of {'valid', 'same'} "
            f"('causal' for Conv1D). Received: {padding}"
        )
    K = effective_kernel(kernel, dilation)
    out = (size - K) // stride + 1
    if out <= 0:
        raise ValueError(
            "Computed output size would be zero or negative "
            f"(Keras Conv valid: L={size}, K={K}, strides={stride})"
        )
    return out


def _jax_pads(
    size: int, kernel: int, stride: int, padding: OnePadding, dilation: int
) -> tuple[int, int]:
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return (0, 0)
        if mode in ("SAME", "SAME_LOWER"):
            return same_padding(size, kernel, stride, dilation, lower=mode == "SAME_LOWER")
        raise ValueError(
            "Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', "
            f"got {padding.upper()}."
        )
    if isinstance(padding, int):
        return (padding, padding)
    return (padding[0], padding[1])


def jax_conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: OnePadding = "VALID", dilation: int = 1
) -> int:
    """Output length of ``lax.conv_general_dilated`` (no ``lhs_dilation``): clipped at 0.

    Explicit padding may be negative (it crops).

    >>> jax_conv_output_size(5, 6, 1, "VALID"), jax_conv_output_size(5, 3, 1, (-1, -1))
    (0, 1)
    """
    lo, hi = _jax_pads(size, kernel, stride, padding, dilation)
    if lo < 0 and -lo > size or hi < 0 and -hi > size or lo + hi < -size:
        raise ValueError(
            "Negative padding is larger than the size of the corresponding dimension: "
            f"got padding=(({lo}, {hi}),) for lhs_shape[2:]=({size},)"
        )
    return max(0, (size + lo + hi - effective_kernel(kernel, dilation)) // stride + 1)


# --------------------------------------------------------------------------------------------
# Whole-layer views for the calculator
# --------------------------------------------------------------------------------------------


@record
class FrameworkDim(PaddedWindow):
    """One resolved dimension of a conv/pool under a framework's convention.

    Unlike :class:`convanim.core.shapes.ConvDim`, ``output`` is stored: TF and JAX return 0 where
    torch raises, and Keras ``same``/``causal`` are defined by their output, not a formula.
    """

    framework: str
    output: int
    mode: str  # "same", "same_lower", "valid", "causal" or "explicit"


def _split_padding(padding: object, ndim: int) -> list[str | tuple[int, int]]:
    """A padding spec (string, int, per-dim ints or pairs) as one entry per dimension."""
    if isinstance(padding, str):
        return [padding.lower()] * ndim
    if isinstance(padding, int) and not isinstance(padding, bool):
        return [(padding, padding)] * ndim
    items = list(padding)  # type: ignore[call-overload]
    if len(items) == 1:
        items = items * ndim
    if len(items) != ndim:
        raise ValueError(
            f"expected padding to be a single value or a list of {ndim} values, but got {items}"
        )
    out: list[str | tuple[int, int]] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            out.append((item, item))
        elif isinstance(item, str):
            out.append(item.lower())
        else:
            before, after = item
            out.append((int(before), int(after)))
    return out


def _check_common(sizes: Sequence[int], k: Sequence[int], s: Sequence[int], d: Sequence[int]):
    check_input_sizes(sizes, "this framework")
    for name, values in (("kernel size", k), ("stride", s), ("dilation", d)):
        if any(v <= 0 for v in values):
            raise ValueError(f"{name} must be positive in every dimension, got {list(values)}")


def _conv_params(
    input_size: Sequence[int], kernel_size: Dims, stride: Dims, dilation: Dims
) -> tuple[tuple[int, ...], ...]:
    """Sizes, kernel, stride and dilation per dimension, checked as every conv view needs."""
    sizes, k, s, d = conv_args(input_size, kernel_size, stride, dilation)
    _check_common(sizes, k, s, d)
    return sizes, k, s, d


def framework_conv_geometry(
    framework: str,
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: object = "valid",
    dilation: int | Sequence[int] = 1,
) -> tuple[FrameworkDim, ...]:
    """Every dimension of a convolution under ``tf``, ``keras`` or ``jax`` rules.

    Strings: ``same``/``valid`` everywhere, ``same_lower`` (JAX), ``causal`` (Keras Conv1D);
    ints or ``(before, after)`` pairs are explicit padding (TF ``EXPLICIT``, JAX pairs; Keras
    convolution layers take no numbers: use a ``ZeroPadding`` layer).

    >>> [g.output for g in framework_conv_geometry("tf", (6, 5), 3, 2, "same")]
    [3, 3]
    >>> [(g.pad_before, g.pad_after) for g in framework_conv_geometry("tf", (6, 5), 3, 2, "same")]
    [(0, 1), (1, 1)]
    """
    if framework not in ("tf", "keras", "jax"):
        raise ValueError(f"framework must be one of tf, keras, jax here, got {framework!r}")
    sizes, k, s, d = _conv_params(input_size, kernel_size, stride, dilation)
    ndim = len(sizes)
    pads = _split_padding(padding, ndim)
    if framework == "keras" and any(ss > 1 for ss in s) and any(dd > 1 for dd in d):
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={list(s)} and dilation_rate={list(d)}"
        )
    dims = []
    for L, kk, ss, dd, pad in zip(sizes, k, s, d, pads, strict=True):
        K = effective_kernel(kk, dd)
        if isinstance(pad, str):
            allowed = {
                "tf": ("same", "valid"),
                "keras": ("same", "valid", "causal") if ndim == 1 else ("same", "valid"),
                "jax": ("same", "same_lower", "valid"),
            }[framework]
            if pad not in allowed:
                if framework == "keras":
                    raise ValueError(
                        "The `padding` argument must be a list/tuple or one of {'valid', 'same'}"
                        f"{' (or causal for Conv1D)' if ndim == 1 else ''}. Received: {pad}"
                    )
                raise ValueError(
                    f"{framework} padding must be one of {', '.join(allowed)} or explicit "
                    f"numbers, got {pad!r}"
                )
            if pad == "valid":
                before = after = 0
            elif pad == "causal":
                before, after = K - 1, 0
            else:
                before, after = same_padding(L, kk, ss, dd, lower=pad == "same_lower")
            mode = pad
        else:
            if framework == "keras":
                raise ValueError(
                    "Keras convolution layers take padding 'valid', 'same' (or 'causal' for "
                    f"Conv1D), not numbers {list(pad)}: add a ZeroPadding{ndim}D layer"
                )
            before, after = pad
            mode = "explicit"
        if framework == "tf":
            out = tf_conv_output_size(L, kk, ss, (before, after), dd)
        elif framework == "keras":
            out = keras_conv_output_size(L, kk, ss, mode, dd)
        else:
            out = jax_conv_output_size(L, kk, ss, (before, after), dd)
        dims.append(FrameworkDim(L, kk, ss, dd, before, after, framework, out, mode))
    return tuple(dims)


def framework_pool_geometry(
    framework: str,
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: str = "valid",
) -> tuple[FrameworkDim, ...]:
    """Pooling under ``tf``/``keras``/``jax`` (``reduce_window``): the conv formulas, no dilation.

    Keras pooling layers do not raise on an empty output (``AveragePooling1D(6)`` on 5 → 0).

    >>> [g.output for g in framework_pool_geometry("keras", (5,), 6)]
    [0]
    """
    sizes = tuple(input_size)
    ndim = len(sizes)
    if ndim not in (1, 2, 3):
        raise ValueError(f"pooling has 1, 2 or 3 spatial dimensions, got {ndim}")
    k = per_dim(kernel_size, ndim, "kernel_size")
    s = k if stride is None else per_dim(stride, ndim, "stride")
    _check_common(sizes, k, s, (1,) * ndim)
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("same", "valid"):
        raise ValueError(f"{framework} pooling takes padding 'same' or 'valid', got {padding!r}")
    dims = []
    for L, kk, ss in zip(sizes, k, s, strict=True):
        before, after = same_padding(L, kk, ss) if mode == "same" else (0, 0)
        if mode == "same":
            out = -(-L // ss)
        elif framework == "tf":
            out = tf_conv_output_size(L, kk, ss, "VALID")
        else:
            out = max(0, (L - kk) // ss + 1)
        dims.append(FrameworkDim(L, kk, ss, 1, before, after, framework, out, mode))
    return tuple(dims)


# --------------------------------------------------------------------------------------------
# Transposed convolutions
# --------------------------------------------------------------------------------------------


def tf_conv_transpose_output_range(
    size: int, kernel: int, stride: int = 1, padding: str = "SAME", dilation: int = 1
) -> range:
    """The ``output_shape`` values ``tf.nn.conv2d_transpose`` accepts along one dimension.

    It is the gradient of ``conv2d``: ``o`` is accepted iff the forward conv maps ``o`` to ``L``.

    >>> list(tf_conv_transpose_output_range(5, 3, 2, "SAME")), list(tf_conv_transpose_output_range(5, 3, 2, "VALID"))
    ([9, 10], [11, 12])
    """
    if dilation > 1:
        raise ValueError(
            "Current CPU implementations do not yet support dilation rates larger than 1."
        )
    mode = padding.upper()
    if mode == "SAME":
        return range((size - 1) * stride + 1, size * stride + 1)
    if mode == "VALID":
        lo = (size - 1) * stride + kernel
        return range(lo, lo + stride)
    raise ValueError(f"TF padding must be 'SAME' or 'VALID', got {padding!r}")


def keras_transposed_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: str = "valid",
    dilation: int = 1,
    output_padding: int | None = None,
) -> int:
    """Output length of Keras 3 ``Conv{1,2,3}DTranspose``.

    >>> [keras_transposed_output_size(5, k, s, "valid") for k, s in ((3, 2), (1, 3), (5, 2))]
    [11, 15, 13]
    >>> keras_transposed_output_size(5, 3, 2, "valid", output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: `output_padding` must be strictly less than `strides` for all dimensions. At dimension 0, `output_padding` is 2 but `strides` is 2.
    """
    K = effective_kernel(kernel, dilation)
    if output_padding is not None and output_padding >= stride:
        raise ValueError(
            "`output_padding` must be strictly less than `strides` for all dimensions. "
            f"At dimension 0, `output_padding` is {output_padding} but `strides` is {stride}."
        )
    mode = padding.lower()
    if mode == "valid":
        extra = max(K, stride) - K if output_padding is None else output_padding
        return (size - 1) * stride + K + extra
    if mode == "same":
        if output_padding is None:
            return size * stride
        return (size - 1) * stride + K % 2 + output_padding
    raise ValueError(f"Keras transposed padding must be 'valid' or 'same', got {padding!r}")


def jax_conv_transpose_output_size(
    size: int, kernel: int, stride: int = 1, padding: str = "SAME", dilation: int = 1
) -> int:
    """Output length of ``jax.lax.conv_transpose`` with ``'SAME'`` or ``'VALID'``.

    >>> jax_conv_transpose_output_size(5, 3, 2, "SAME"), jax_conv_transpose_output_size(5, 3, 2, "VALID", 2)
    (10, 13)
    """
    K = effective_kernel(kernel, dilation)
    mode = padding.upper()
    if mode == "SAME":
        return size * stride
    if mode == "VALID":
        return size * stride + max(K - stride, 0)
    raise ValueError(
        "Unrecognized padding type: expected 'VALID' or 'SAME' for conv_transpose, "
        f"got {padding.upper()}."
    )


def framework_transposed_sizes(
    framework: str,
    input_size: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: str = "same",
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] | None = None,
) -> tuple[list[int], list[range]]:
    """``(output, reachable)`` per dimension for a transposed conv under ``tf``/``keras``/``jax``.

    ``reachable`` lists every output size the framework can produce for this input: TF's
    accepted ``output_shape`` values, Keras's sizes over ``output_padding ∈ {None, 0…s−1}``,
    JAX's single size. ``output`` is the default (for TF, the shape Keras passes it:
    ``L·s`` for SAME, ``(L−1)s + max(K, s)`` for VALID, which JAX gives too).

    ``reachable`` is a ``range`` per dimension (instant for any stride).

    >>> framework_transposed_sizes("tf", (5,), 3, 2, "valid")
    ([11], [range(11, 13)])
    >>> framework_transposed_sizes("keras", (5,), 4, 2, "same")
    ([10], [range(8, 11)])
    """
    sizes, k, s, d = _conv_params(input_size, kernel_size, stride, dilation)
    ndim = len(sizes)
    if not isinstance(padding, str):
        raise ValueError(
            f"{framework} transposed convolutions take padding 'same' or 'valid' here, "
            f"got {padding!r}"
        )
    ops: tuple[int | None, ...] = (
        (None,) * ndim
        if output_padding is None
        else per_dim(output_padding, ndim, "output_padding")
    )
    outputs: list[int] = []
    reachable: list[range] = []
    for L, kk, ss, dd, op in zip(sizes, k, s, d, ops, strict=True):
        if framework == "tf":
            if op is not None:
                raise ValueError(
                    "tf.nn.conv2d_transpose has no output_padding: pick an output shape instead"
                )
            accepted = tf_conv_transpose_output_range(L, kk, ss, padding, dd)
            # What Keras's Conv2DTranspose asks TF for: L·s (SAME), (L−1)s + max(K, s) (VALID).
            outputs.append(keras_transposed_output_size(L, kk, ss, padding, dd))
            reachable.append(accepted)
        elif framework == "keras":
            outputs.append(keras_transposed_output_size(L, kk, ss, padding, dd, op))
            # output_padding 0 … s−1 gives s consecutive sizes from the op=0 size; the default
            # (op=None) is one of them, or (same, even K) the next one up: always one range.
            low = keras_transposed_output_size(L, kk, ss, padding, dd, 0)
            default = keras_transposed_output_size(L, kk, ss, padding, dd, None)
            reachable.append(range(low, max(low + ss, default + 1)))
        elif framework == "jax":
            if op is not None:
                raise ValueError("jax.lax.conv_transpose has no output_padding")
            out = jax_conv_transpose_output_size(L, kk, ss, padding, dd)
            outputs.append(out)
            reachable.append(range(out, out + 1))
        else:
            raise ValueError(f"framework must be one of tf, keras, jax here, got {framework!r}")
    return outputs, reachable
