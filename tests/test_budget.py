"""The work budget (convanim.core.budget) holds for the Python API as for the command line: the
engine refuses an absurd computation before allocating its buffers, with the message
`convanim compute` prints."""

from __future__ import annotations

import doctest
import resource
from pathlib import Path

import numpy as np
import pytest

from convanim import engine
from convanim.cli import main
from convanim.core import budget


def test_doctests() -> None:
    result = doctest.testmod(budget)
    assert result.failed == 0 and result.attempted >= 2


BIG = np.zeros((1, 1, 2000, 2000))  # 4 000 000 cells: the largest input allowed


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: engine.conv2d(BIG, np.ones((1, 1, 5, 5))), "conv2d would gather 99600400"),
        (
            lambda: engine.conv2d(BIG, np.ones((1, 1, 1, 1)), padding=600, dilation=1),
            "conv2d would produce",
        ),
        (
            lambda: engine.conv_transpose2d(BIG, np.ones((1, 1, 3, 3)), stride=2),
            "conv_transpose2d would produce",
        ),
        (lambda: engine.max_pool2d(BIG, 5, stride=1), "max_pool2d would gather"),
        (lambda: engine.avg_pool2d(BIG, 5, stride=1), "avg_pool2d would gather"),
        (lambda: engine.lp_pool2d(BIG, 2, 5, stride=1), "lp_pool2d would gather"),
        (lambda: engine.adaptive_avg_pool2d(BIG, 1000), "has more than 250000 positions"),
        (
            lambda: engine.conv_backward(BIG, np.ones((1, 1, 5, 5)), np.zeros((1, 1, 1996, 1996))),
            "conv2d would gather",
        ),
    ],
)
def test_engine_refuses_absurd_work_before_allocating(call, message: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match=message):
        call()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100  # the im2col buffer alone would be 800 MB


def test_cli_and_api_refuse_with_the_same_message(tmp_path: Path, capsys) -> None:
    np.save(tmp_path / "x.npy", BIG[0, 0])
    with pytest.raises(ValueError) as api:
        engine.conv2d(BIG[0], np.ones((1, 1, 5, 5)))
    weight = "[" + ",".join(["[1,1,1,1,1]"] * 5) + "]"
    with pytest.raises(SystemExit) as exit_info:
        main(["compute", "conv2d", "--input", f"@{tmp_path / 'x.npy'}", "--weight", weight])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"Error: {api.value}\n"


def test_reasonable_work_passes() -> None:
    y = engine.conv2d(np.ones((1, 1, 64, 64)), np.ones((1, 1, 3, 3)), padding=1)
    assert y.shape == (1, 1, 64, 64) and y[0, 0, 10, 10] == 9.0
