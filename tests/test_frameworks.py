"""TF/Keras/JAX conventions: the measured vectors of reference/shapes.md §4 and their algebra.

TensorFlow and JAX are not installed here; the vectors below were run against TF 2.21 / Keras
3.15 / JAX 0.10.2 when the reference was written. The properties tie the conventions to each
other and to torch (live where torch is importable).
"""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convanim.core.frameworks as fw
from convanim.core import shapes

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the algebraic properties below still run
    torch = None


# --------------------------------------------------------------------------------------------
# Vectors from reference/shapes.md §4
# --------------------------------------------------------------------------------------------


def test_tf_same_depends_on_input_size() -> None:
    assert fw.same_padding(6, 3, 2) == (0, 1)
    assert fw.same_padding(5, 3, 2) == (1, 1)
    assert fw.tf_conv_output_size(6, 3, 2, "SAME") == 3
    assert fw.tf_conv_output_size(5, 3, 2, "SAME") == 3


@pytest.mark.parametrize("L,K,s,out", [(3, 6, 2, 0), (3, 6, 4, 0), (2, 3, 1, 0)])
def test_tf_valid_truncates_to_zero(L: int, K: int, s: int, out: int) -> None:
    assert fw.tf_conv_output_size(L, K, s, "VALID") == out


def test_tf_valid_negative_raises() -> None:
    with pytest.raises(
        ValueError,
        match=r"Computed output size would be negative: -2 \[input_size: 3, effective_filter_size: 6, stride: 1\]",
    ):
        fw.tf_conv_output_size(3, 6, 1, "VALID")


def test_tf_explicit_padding() -> None:
    assert fw.tf_conv_output_size(5, 3, 2, (1, 2)) == 3  # trunc((5 + 3 − 3 + 2)/2)


def test_keras_conv() -> None:
    with pytest.raises(ValueError, match="zero or negative"):
        fw.keras_conv_output_size(5, 6)
    assert fw.keras_conv_output_size(5, 3, 2, "same") == 3
    assert fw.keras_conv_output_size(5, 3, 2, "causal") == 3
    assert fw.keras_conv_output_size(5, 3, 1, "causal", 2) == 5
    with pytest.raises(
        ValueError, match="strides > 1` not supported in conjunction with `dilation_rate > 1"
    ):
        fw.keras_conv_output_size(9, 3, 2, "valid", 2)
    with pytest.raises(ValueError, match="Received: causal"):
        fw.framework_conv_geometry("keras", (9, 9), 3, 1, "causal")
    g = fw.framework_conv_geometry("keras", (5,), 3, 1, "causal", 2)[0]
    assert (g.pad_before, g.pad_after, g.output) == (4, 0, 5)


def test_keras_pooling_does_not_raise_on_empty() -> None:
    assert [g.output for g in fw.framework_pool_geometry("keras", (5,), 6)] == [0]
    assert [g.output for g in fw.framework_pool_geometry("tf", (5,), 4, 1, "same")] == [5]


def test_jax_conventions() -> None:
    assert fw.same_padding(9, 2, 1) == (0, 1) and fw.same_padding(9, 2, 1, lower=True) == (1, 0)
    assert fw.same_padding(9, 4, 1) == (1, 2) and fw.same_padding(9, 4, 1, lower=True) == (2, 1)
    assert fw.jax_conv_output_size(5, 6, 1, "VALID") == 0  # clipped, no error
    with pytest.raises(ValueError, match="Negative padding is larger"):
        fw.jax_conv_output_size(5, 3, 1, (-3, -3))
    with pytest.raises(ValueError, match="Unrecognized padding type"):
        fw.jax_conv_output_size(5, 3, 1, "bogus")


@pytest.mark.parametrize(
    "L,k,s,same,valid",
    [(5, 3, 2, [9, 10], [11, 12]), (5, 4, 2, [9, 10], [12, 13]), (3, 5, 2, [5, 6], [9, 10])],
)
def test_tf_conv2d_transpose_accepted_shapes(
    L: int, k: int, s: int, same: list[int], valid: list[int]
) -> None:
    assert list(fw.tf_conv_transpose_output_range(L, k, s, "SAME")) == same
    assert list(fw.tf_conv_transpose_output_range(L, k, s, "VALID")) == valid
    with pytest.raises(ValueError, match="dilation rates larger than 1"):
        fw.tf_conv_transpose_output_range(L, k, s, "SAME", 2)


@pytest.mark.parametrize(
    "padding,k,s,op,out",
    [
        ("same", 3, 2, None, 10),
        ("same", 3, 2, 0, 9),
        ("valid", 3, 2, None, 11),
        ("valid", 1, 3, None, 15),
        ("valid", 5, 2, None, 13),
        ("valid", 3, 2, 1, 12),
        ("same", 4, 2, None, 10),
        ("same", 4, 2, 1, 9),  # even kernels lose one
    ],
)
def test_keras_transposed_sizes(padding: str, k: int, s: int, op: int | None, out: int) -> None:
    assert fw.keras_transposed_output_size(5, k, s, padding, output_padding=op) == out


def test_keras_output_padding_must_be_below_strides() -> None:
    with pytest.raises(ValueError, match="strictly less than `strides`"):
        fw.keras_transposed_output_size(5, 3, 1, "valid", 2, output_padding=1)  # torch accepts


@pytest.mark.parametrize(
    "padding,k,d,out",
    [
        ("SAME", 3, 1, 10),
        ("VALID", 3, 1, 11),
        ("VALID", 1, 1, None),
        ("VALID", 5, 1, 13),
        ("SAME", 3, 2, 10),
        ("VALID", 3, 2, 13),
    ],
)
def test_jax_conv_transpose(padding: str, k: int, d: int, out: int | None) -> None:
    if out is None:
        assert fw.jax_conv_transpose_output_size(5, 1, 3, padding) == 15
    else:
        assert fw.jax_conv_transpose_output_size(5, k, 2, padding, d) == out


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

sizes = st.integers(1, 40)
kernels = st.integers(1, 7)
strides = st.integers(1, 5)
dilations = st.integers(1, 3)


@settings(max_examples=500, deadline=None)
@given(sizes, kernels, strides, dilations)
def test_same_gives_ceil_and_its_pads_reproduce_it(L: int, k: int, s: int, d: int) -> None:
    for lower in (False, True):
        before, after = fw.same_padding(L, k, s, d, lower)
        assert abs(before - after) <= 1 and (before >= after) == lower or before == after
        g = shapes.ConvDim(L, k, s, d, before, after)
        assert g.output == -(-L // s) == fw.tf_conv_output_size(L, k, s, "SAME", d)
    if s == 1:  # TF SAME at stride 1 is torch's 'same'
        assert (fw.same_padding(L, k, 1, d),) == shapes.resolve_conv_padding(
            "same", (k,), (1,), (d,)
        )


@settings(max_examples=500, deadline=None)
@given(sizes, kernels, strides, dilations, st.integers(0, 3), st.integers(0, 3))
def test_tf_explicit_matches_torch_floor_when_the_kernel_fits(
    L: int, k: int, s: int, d: int, b: int, a: int
) -> None:
    K = shapes.effective_kernel(k, d)
    if L + a + b >= K:
        assert fw.tf_conv_output_size(L, k, s, (b, a), d) == shapes.ConvDim(L, k, s, d, b, a).output
        assert (
            fw.jax_conv_output_size(L, k, s, (b, a), d) == shapes.ConvDim(L, k, s, d, b, a).output
        )
    else:
        assert fw.jax_conv_output_size(L, k, s, (b, a), d) == 0


def _tf_size(L: int, k: int, s: int, padding: str) -> int | None:
    try:
        return fw.tf_conv_output_size(L, k, s, padding)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), kernels, strides)
def test_tf_transpose_range_is_the_gradient_of_conv(L: int, k: int, s: int) -> None:
    for padding in ("SAME", "VALID"):
        accepted = list(fw.tf_conv_transpose_output_range(L, k, s, padding))
        brute = [o for o in range(1, L * s + k + s + 2) if _tf_size(o, k, s, padding) == L]
        assert accepted == brute


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), kernels, strides, dilations)
def test_jax_conv_transpose_equals_keras_default(L: int, k: int, s: int, d: int) -> None:
    for padding in ("same", "valid"):
        assert fw.jax_conv_transpose_output_size(L, k, s, padding, d) == (
            fw.keras_transposed_output_size(L, k, s, padding, d)
        )
    tf_out, tf_reach = fw.framework_transposed_sizes("tf", (L,), k, s, "valid")
    assert tf_out[0] in tf_reach[0]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10), kernels, strides, st.integers(0, 4), dilations)
def test_torch_transposed_is_jax_lhs_dilation(L: int, k: int, s: int, p: int, d: int) -> None:
    # torch ConvTranspose(k, s, p, d, op) == conv_general_dilated(pads (K−1−p, K−1−p+op),
    # lhs_dilation=s): size ((L−1)s + 1 + lo + hi − K) + 1
    K = shapes.effective_kernel(k, d)
    for op in range(max(s, d)):
        out = (L - 1) * s + 1 + 2 * (K - 1 - p) + op - K + 1
        if out >= 1:
            assert shapes.transposed_output_size(L, k, s, p, d, op) == out


@pytest.mark.skipif(torch is None, reason="needs torch for the live check")
@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), kernels, strides, dilations)
def test_tf_same_pads_reproduced_in_torch(L: int, k: int, s: int, d: int) -> None:
    before, after = fw.same_padding(L, k, s, d)
    x = F.pad(torch.zeros(1, 1, L), (before, after))
    y = F.conv1d(x, torch.zeros(1, 1, k), stride=s, dilation=d)
    assert y.shape[-1] == fw.tf_conv_output_size(L, k, s, "SAME", d)


def test_framework_geometry_rejects_foreign_conventions() -> None:
    with pytest.raises(ValueError, match="ZeroPadding1D"):
        fw.framework_conv_geometry("keras", (9,), 3, 1, 1)
    with pytest.raises(ValueError, match="tf padding must be one of"):
        fw.framework_conv_geometry("tf", (9,), 3, 1, "causal")
    with pytest.raises(ValueError, match="must be positive"):
        fw.framework_conv_geometry("tf", (0,), 3, 1, "same")
    dims = fw.framework_conv_geometry("jax", (9, 9), 4, 1, "same_lower")
    assert [(g.pad_before, g.pad_after) for g in dims] == [(2, 1), (2, 1)]


def test_doctests() -> None:
    result = doctest.testmod(fw, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), kernels, strides, dilations, st.sampled_from(["same", "valid"]))
def test_keras_reachable_is_one_range(L: int, k: int, s: int, d: int, padding: str) -> None:
    # The closed-form range equals every size Keras gives over output_padding ∈ {None, 0…s−1}.
    every = {fw.keras_transposed_output_size(L, k, s, padding, d, None)}
    every.update(fw.keras_transposed_output_size(L, k, s, padding, d, o) for o in range(s))
    _, reach = fw.framework_transposed_sizes("keras", (L,), k, s, padding, d)
    assert list(reach[0]) == sorted(every)
