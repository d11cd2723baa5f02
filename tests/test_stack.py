"""Stacks: presets, receptive-field vectors (reference/shapes.md §5), parsing, torch as oracle."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convanim.core.stack as stack
from convanim.core.stack import MAX_LAYERS, PRESETS, Layer, analyse_stack, parse_layer, parse_layers

try:
    import torch
except ImportError:  # the vectors and published counts below still run
    torch = None

live = pytest.mark.skipif(torch is None, reason="needs torch for the live comparison")


# --------------------------------------------------------------------------------------------
# Presets against published figures
# --------------------------------------------------------------------------------------------


def run(name: str, blocks: int = 1):
    p = PRESETS[name]
    return analyse_stack(p.input_size, p.layers(blocks), p.in_channels)


def test_alexnet() -> None:
    r = run("alexnet")
    # torchvision.models.alexnet: 61,100,840 parameters, 0.71 GMACs at 224×224
    assert r.params == 61_100_840
    assert r.multiply_adds == 714_188_480
    assert [x.output for x in r.layers[:8]] == [
        (55, 55),
        (27, 27),
        (27, 27),
        (13, 13),
        (13, 13),
        (13, 13),
        (13, 13),
        (6, 6),
    ]
    assert r.layers[8].in_channels == 256 * 6 * 6
    assert r.receptive_field == (195, 195) and r.jump == (32, 32)


def test_vgg16() -> None:
    r = run("vgg16")
    # torchvision.models.vgg16: 138,357,544 parameters, 15.47 GMACs
    assert r.params == 138_357_544
    assert r.multiply_adds == 15_470_264_320
    assert r.layers[17].output == (7, 7)
    assert r.receptive_field == (212, 212) and r.jump == (32, 32)
    assert r.output == () and r.out_channels == 1000


@pytest.mark.parametrize("blocks,rf", [(1, 1024), (2, 2047), (3, 3070)])
def test_wavenet(blocks: int, rf: int) -> None:
    r = run("wavenet", blocks)
    assert r.receptive_field == (rf,)  # 1 + blocks·(1 + 2 + … + 512)
    assert r.jump == (1,)
    assert r.output == (16000,)  # causal padding keeps the length
    P = 1023 * blocks
    assert r.start == (-P + (rf - 1) / 2,)
    assert len(r.layers) == 10 * blocks
    assert [x.layer.dilation for x in r.layers[:10]] == [2**i for i in range(10)]


def test_layer_count_is_bounded_before_building() -> None:
    # Sizes are exact integers of any size; only the number of layers costs time, so a huge
    # repeat count is refused before a list of that length exists.
    assert len(PRESETS["wavenet"].layers(1000)) == MAX_LAYERS
    for make in (
        lambda: PRESETS["wavenet"].layers(10**26),
        lambda: parse_layer("1000000000*conv:k=1"),
        lambda: parse_layers(["5000*conv:k=1", "5001*conv:k=1"]),
        lambda: analyse_stack((8,), [Layer("conv", 1)] * (MAX_LAYERS + 1)),
    ):
        with pytest.raises(ValueError, match="analyses at most 10,000"):
            make()


def test_only_wavenet_repeats() -> None:
    with pytest.raises(ValueError, match="no repeatable block"):
        PRESETS["vgg16"].layers(2)
    with pytest.raises(ValueError, match="at least 1"):
        PRESETS["wavenet"].layers(0)


# --------------------------------------------------------------------------------------------
# Receptive field, jump and start (Araujo et al.)
# --------------------------------------------------------------------------------------------


def conv(k: int, s: int = 1, p: int = 0, d: int = 1) -> Layer:
    return Layer("conv", k, s, p, d)


@pytest.mark.parametrize(
    "layers,r,j,start",
    [
        ([conv(3, p=1)] * 2, 5, 1, 0.0),
        (
            [conv(3, p=1), conv(3, p=1), Layer("maxpool", 2, 2)] * 2,
            16,
            4,
            1.5,
        ),
        ([conv(7, 2, 3), Layer("maxpool", 3, 2, 1)], 11, 4, 0.0),
        ([conv(3, p=1, d=1), conv(3, p=2, d=2), conv(3, p=4, d=4)], 15, 1, 0.0),
        ([conv(3, 2, 1, 1), conv(3, 2, 2, 2), conv(3, 1, 0, 1)], 19, 4, 4.0),
    ],
    ids=["conv3x2", "vgg_blocks", "resnet_stem", "dilated", "mixed"],
)
def test_receptive_field_vectors(layers: list[Layer], r: int, j: int, start: float) -> None:
    result = analyse_stack((64,), layers)
    assert (result.receptive_field, result.jump, result.start) == ((r,), (j,), (start,))
    closed = stack.receptive_field(
        [
            (
                x.layer.kernel_size,
                x.layer.stride or (x.layer.kernel_size if x.layer.kind != "conv" else 1),
                x.layer.padding,
                x.layer.dilation,
            )
            for x in result.layers
        ]
    )
    assert closed == (r, j, start)


def test_receptive_field_top_down_form() -> None:
    # r_{l−1} = s_l·r_l + (K_l − s_l) with r_n = 1 gives the same r
    layers = [(3, 2, 1, 1), (3, 2, 2, 2), (3, 1, 0, 1)]
    r = 1
    for k, s, _, d in reversed(layers):
        r = s * r + (d * (k - 1) + 1 - s)
    assert r == stack.receptive_field(layers)[0] == 19


# --------------------------------------------------------------------------------------------
# Parameters and the conv-vs-dense comparison
# --------------------------------------------------------------------------------------------


def test_conv_vs_dense() -> None:
    c = stack.conv_vs_dense((100,), (98,), (3,))
    assert (c.conv, c.dense) == (3, 100 * 98)  # M·C_in·C_out vs L_in·L_out
    c = stack.conv_vs_dense((32, 32), (32, 32), (3, 3), 16, 32)
    assert c.conv == 9 * 16 * 32
    assert c.dense == (32 * 32 * 16) * (32 * 32 * 32)
    assert c.ratio == c.dense / c.conv


def test_groups_divide_parameters() -> None:
    r = analyse_stack((8, 8), [Layer("conv", 3, padding=1, out_channels=8, groups=4)], 8)
    assert r.params == 8 * 2 * 9 + 8
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        analyse_stack((8, 8), [Layer("conv", 3, out_channels=8, groups=3)], 8)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def test_parse_layers() -> None:
    layers = parse_layers(
        ["2*conv:k=3,p=1,c=16", "maxpool:k=2", "conv:k=3x5,s=1x2,p=1:2x0,d=2", "fc:c=10"]
    )
    assert [x.kind for x in layers] == ["conv", "conv", "maxpool", "conv", "fc"]
    assert layers[3].kernel_size == (3, 5) and layers[3].stride == (1, 2)
    assert layers[3].padding == [(1, 2), 0] and layers[3].dilation == 2
    assert parse_layer("conv:k=2,d=4,p=causal")[0].padding == "causal"
    assert parse_layer("avg:k=3,ceil=1,bias=0")[0].ceil_mode is True


@pytest.mark.parametrize(
    "text,message",
    [
        ("blah", "unknown layer"),
        ("conv:k=abc", "is not an integer"),
        ("conv:q=3", "cannot read"),
        ("conv", "needs a kernel size"),
        ("0*conv:k=3", "at least 1"),
        ("conv:k=3,ceil=maybe", "takes 0 or 1"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_layer(text)


def test_stack_errors_name_the_layer() -> None:
    with pytest.raises(ValueError, match=r"layer 2 \(conv k9\): Calculated padded input size"):
        analyse_stack((8,), [conv(3, p=1), conv(9)])


def test_pool_padding_is_symmetric_integers() -> None:
    assert analyse_stack((8,), parse_layer("maxpool:k=2,p=valid")).output == (4,)
    for text in ("maxpool:k=2,p=same", "avgpool:k=3,p=1:0"):
        with pytest.raises(ValueError, match=r"layer 1 .*symmetric integer padding"):
            analyse_stack((8,), parse_layer(text))
    with pytest.raises(ValueError, match="cannot follow a fully connected layer"):
        analyse_stack((8,), [Layer("fc", out_channels=4), conv(1)])
    with pytest.raises(ValueError, match="pad should be at most half"):
        analyse_stack((8,), [Layer("maxpool", 2, padding=2)])


# --------------------------------------------------------------------------------------------
# torch as the oracle: sizes and parameter counts of real modules, receptive fields by autograd
# --------------------------------------------------------------------------------------------

layer_strategy = st.one_of(
    st.builds(
        lambda k, s, p, d, c: Layer("conv", k, s, p, d, out_channels=c),
        st.integers(1, 4),
        st.integers(1, 3),
        st.integers(0, 2),
        st.integers(1, 3),
        st.integers(1, 3),
    ),
    st.builds(
        lambda k, s, p: Layer("avgpool", k, s, min(p, k // 2)),
        st.integers(1, 4),
        st.integers(1, 3),
        st.integers(0, 2),
    ),
)


def torch_module(layer: Layer, channels: int):
    if layer.kind == "conv":
        return torch.nn.Conv1d(
            channels,
            layer.out_channels or channels,
            layer.kernel_size,
            layer.stride or 1,
            layer.padding,
            layer.dilation,
        )
    return torch.nn.AvgPool1d(layer.kernel_size, layer.stride, layer.padding)


@live
@settings(max_examples=200, deadline=None)
@given(st.integers(8, 48), st.lists(layer_strategy, min_size=1, max_size=4))
def test_sizes_and_params_match_torch(L: int, layers: list[Layer]) -> None:
    try:
        mine = analyse_stack((L,), layers, 2)
    except ValueError:
        mine = None
    x = torch.zeros(1, 2, L)
    channels = 2
    try:
        with torch.no_grad():
            sizes, params = [], []
            for layer in layers:
                m = torch_module(layer, channels)
                x = m(x)
                channels = x.shape[1]
                sizes.append((x.shape[-1],))
                params.append(sum(p.numel() for p in m.parameters()))
    except RuntimeError:
        assert mine is None
        return
    assert mine is not None
    assert [r.output for r in mine.layers] == sizes
    assert [r.params for r in mine.layers] == params


@live
@settings(max_examples=150, deadline=None)
@given(st.lists(layer_strategy, min_size=1, max_size=4))
def test_receptive_field_matches_autograd(layers: list[Layer]) -> None:
    L = 160
    try:
        result = analyse_stack((L,), layers, 1)
    except ValueError:
        return
    out_len = result.output[0]
    f = out_len // 2
    S, r = result.jump[0], result.receptive_field[0]
    P = result.start[0] * -1 + (r - 1) / 2  # start = −P + (r − 1)/2
    u = f * S - P
    if u < 0 or u + r - 1 >= L:
        return  # the receptive field pokes into the padding: the support is clipped
    x = torch.zeros(1, 1, L, dtype=torch.float64, requires_grad=True)
    y = x + 1.0  # positive everywhere: every tap contributes
    for layer in layers:
        m = torch_module(
            Layer(
                layer.kind,
                layer.kernel_size,
                layer.stride,
                layer.padding,
                layer.dilation,
                out_channels=1,
            ),
            1,
        ).double()
        if layer.kind == "conv":
            torch.nn.init.ones_(m.weight)
        y = m(y)
    y[0, 0, f].backward()
    support = torch.nonzero(x.grad[0, 0]).flatten().tolist()
    assert support[0] >= u and support[-1] <= u + r - 1
    assert support[0] == u and support[-1] == u + r - 1  # bounding interval is exact


def test_doctests() -> None:
    result = doctest.testmod(stack, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 8 and result.failed == 0
