"""The paper's AlexNet (``--preset alexnet2012``) and the ``lrn`` layer, against hand computation
from Krizhevsky, Sutskever & Hinton (2012) §3 and Fig. 2, and against torch as an oracle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from convanim.core.stack import PRESETS, Layer, analyse_stack, parse_layer

try:
    import torch
except ImportError:
    torch = None

CONVANIM = Path(sys.executable).with_name("convanim")


def stack_json(*args: str) -> dict:
    proc = subprocess.run(
        [str(CONVANIM), "shape", "stack", *args, "--json"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return json.loads(proc.stdout)


# Hand computation, layer by layer (bias included; the paper's "60 million parameters"):
#   conv1  11×11×3 → 96:         96·(3·121) + 96        =     34,944   out ⌊(227 − 11)/4⌋ + 1 = 55
#   lrn, maxpool 3 s2:                                  0              out ⌊(55 − 3)/2⌋ + 1 = 27
#   conv2  5×5, 256, two GPUs:   256·(96/2·25) + 256    =    307,456   out 27 + 4 − 5 + 1 = 27
#   lrn, maxpool 3 s2:                                  0              out ⌊(27 − 3)/2⌋ + 1 = 13
#   conv3  3×3, 384, both GPUs:  384·(256·9) + 384      =    885,120
#   conv4  3×3, 384, two GPUs:   384·(384/2·9) + 384    =    663,936
#   conv5  3×3, 256, two GPUs:   256·(384/2·9) + 256    =    442,624
#   maxpool 3 s2:                                       0              out ⌊(13 − 3)/2⌋ + 1 = 6
#   fc6    6·6·256 = 9216 → 4096: 9216·4096 + 4096      = 37,752,832
#   fc7    4096 → 4096:           4096·4096 + 4096      = 16,781,312
#   fc8    4096 → 1000:           4096·1000 + 1000      =  4,097,000
#                                                 total = 60,965,224
HAND = [
    # (layer, output size, channels, parameters, multiply-adds)
    ("conv k11 s4 →96", [55, 55], 96, 34_944, 55 * 55 * 96 * 3 * 121),
    ("lrn n5", [55, 55], 96, 0, 0),
    ("maxpool k3 s2", [27, 27], 96, 0, 0),
    ("conv k5 p2 g2 →256", [27, 27], 256, 307_456, 27 * 27 * 256 * 48 * 25),
    ("lrn n5", [27, 27], 256, 0, 0),
    ("maxpool k3 s2", [13, 13], 256, 0, 0),
    ("conv k3 p1 →384", [13, 13], 384, 885_120, 13 * 13 * 384 * 256 * 9),
    ("conv k3 p1 g2 →384", [13, 13], 384, 663_936, 13 * 13 * 384 * 192 * 9),
    ("conv k3 p1 g2 →256", [13, 13], 256, 442_624, 13 * 13 * 256 * 192 * 9),
    ("maxpool k3 s2", [6, 6], 256, 0, 0),
    ("fc →4096", [], 4096, 37_752_832, 9216 * 4096),
    ("fc →4096", [], 4096, 16_781_312, 4096 * 4096),
    ("fc →1000", [], 1000, 4_097_000, 4096 * 1000),
]
# Receptive field walked by hand (r += (k − 1)·j, j *= s): conv1 11 (j 4), pool 11 + 2·4 = 19
# (j 8), conv2 19 + 4·8 = 51, pool 51 + 2·8 = 67 (j 16), conv3/4/5 99, 131, 163, pool 195 (j 32).
HAND_RF = [11, 11, 19, 51, 51, 67, 99, 131, 163, 195]


def test_alexnet2012_json_matches_hand_computation() -> None:
    data = stack_json("--preset", "alexnet2012")
    assert data["input"] == [227, 227] and data["in_channels"] == 3
    got = [
        (x["layer"], x["output"], x["out_channels"], x["params"], x["multiply_adds"])
        for x in data["layers"]
    ]
    assert got == HAND
    assert sum(h[3] for h in HAND) == 60_965_224  # "60 million parameters" (paper, abstract)
    assert data["params"] == 60_965_224
    assert data["multiply_adds"] == sum(h[4] for h in HAND) == 724_406_816
    assert [x["receptive_field"] for x in data["layers"][:10]] == [[r, r] for r in HAND_RF]
    assert data["receptive_field"] == [195, 195] and data["jump"] == [32, 32]
    assert data["layers"][10]["in_channels"] == 9216  # 6·6·256 features into fc6
    assert data["output"] == [] and data["out_channels"] == 1000


def test_alexnet2012_at_224_does_not_give_55() -> None:
    # The note on 227: the paper's 224 gives 54, and then 26, 12, 5 (the wrong 6·6·256)
    data = stack_json("--preset", "alexnet2012", "-i", "224x224")
    assert data["layers"][0]["output"] == [54, 54]
    assert data["layers"][9]["output"] == [5, 5]
    text = subprocess.run(
        [str(CONVANIM), "shape", "stack", "--preset", "alexnet2012"], capture_output=True, text=True
    ).stdout
    assert "the paper says 224×224" in text and "60,965,224 parameters" in text


def test_lrn_layer_keeps_shape_and_receptive_field() -> None:
    (layer,) = parse_layer("lrn")
    assert layer == Layer("lrn", 5)
    assert parse_layer("norm:n=3")[0] == Layer("lrn", 3)
    r = analyse_stack((10, 10), [Layer("conv", 3, out_channels=4), layer], 2)
    conv, lrn = r.layers
    assert (lrn.output, lrn.out_channels, lrn.params, lrn.multiply_adds) == ((8, 8), 4, 0, 0)
    assert lrn.receptive_field == conv.receptive_field and lrn.jump == conv.jump
    assert lrn.start == conv.start
    for bad in ("lrn:s=2", "lrn:p=1", "lrn:n=3x3", "lrn:n=0", "lrn:c=8"):
        with pytest.raises(ValueError, match="lrn|local response"):
            analyse_stack((10, 10), [Layer("conv", 3, out_channels=4), *parse_layer(bad)], 2)


@pytest.mark.skipif(torch is None, reason="needs torch as the oracle")
def test_alexnet2012_against_torch() -> None:
    nn = torch.nn

    def conv(cin, cout, k, s=1, p=0, g=1):
        return nn.Conv2d(cin, cout, k, s, p, groups=g)

    model = nn.Sequential(
        conv(3, 96, 11, 4),
        nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
        nn.MaxPool2d(3, 2),
        conv(96, 256, 5, p=2, g=2),
        nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
        nn.MaxPool2d(3, 2),
        conv(256, 384, 3, p=1),
        conv(384, 384, 3, p=1, g=2),
        conv(384, 256, 3, p=1, g=2),
        nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Linear(9216, 4096),
        nn.Linear(4096, 4096),
        nn.Linear(4096, 1000),
    )
    p = PRESETS["alexnet2012"]
    r = analyse_stack(p.input_size, p.layers(), p.in_channels)
    x = torch.zeros(1, 3, *p.input_size)
    mods = [m for m in model if not isinstance(m, nn.Flatten)]
    with torch.no_grad():
        for ours, mod in zip(r.layers, mods, strict=True):
            if isinstance(mod, nn.Linear):
                x = x.flatten(1)
            x = mod(x)
            assert tuple(x.shape[1:]) == ((ours.out_channels, *ours.output))
            assert ours.params == sum(t.numel() for t in mod.parameters())
    assert r.params == sum(t.numel() for t in model.parameters())
