"""Workers die with their parent: killing ``render --all`` or ``build`` leaves no orphans.

Issue 14 measured 17 of 17 kills leaving both pool workers alive after 120 s. The pool
initializer (:func:`convanim._procs.die_with_parent`) asks the kernel to kill each worker when
its parent dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convanim import _procs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …": comm may hold spaces, so split after its closing paren
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that never comes is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _wait(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


DECK = "".join(
    f"{{{{CONVANIM:{name}}}}}\n\n---\n\n"
    for name in ("full_padding_no_strides", "arbitrary_padding_no_strides",
                 "padding_strides_odd_transposed", "same_padding_no_strides")
)  # fmt: skip


@pytest.mark.parametrize("command", ["render", "build"])
def test_pool_workers_die_with_their_parent(tmp_path: Path, command: str) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if command == "render":
        argv = ["render", "--all", "-j", "2", "-o", str(tmp_path / "out")]
    else:
        (tmp_path / "deck.md").write_text(DECK)
        argv = ["build", str(tmp_path / "deck.md"), "-j", "2", "-o", str(tmp_path / "out")]
    parent = subprocess.Popen(
        [sys.executable, "-m", "convanim", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    try:
        assert _wait(lambda: len(_children(parent.pid)) >= 2, 30), "the pool never started"
        workers = _children(parent.pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _wait(lambda: not any(_alive(w) for w in workers), 5), [
            w for w in workers if _alive(w)
        ]
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        for w in workers | _children(parent.pid):  # never leave an orphan behind, pass or fail
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def test_a_child_of_a_dead_parent_exits_at_once() -> None:
    # the race the signal cannot cover: the parent is already gone when the child asks
    code = (
        "import os, sys; from convanim import _procs; "
        "_procs.die_with_parent(os.getppid() + 999999); print('still here')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and "still here" not in result.stdout


def test_pool_options_name_this_process() -> None:
    assert _procs.pool_options()["initargs"] == (os.getpid(),)
