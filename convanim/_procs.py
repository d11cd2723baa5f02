"""Child processes that die with their parent.

``render --all`` and ``build`` hand work to process pools, and the video runner starts Manim in a
subprocess. If the parent is killed (SIGKILL, an out-of-memory kill, a closed terminal), nothing
tells those children to stop: they keep rendering for minutes as orphans. Every child therefore
asks to be killed when its parent dies:

* Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, which the kernel honours even when the parent
  gets no chance to run any code. It survives ``exec``, so it also works as a ``preexec_fn``.
* elsewhere: a daemon thread polls the parent's pid (pool workers only).

Use :func:`pool_options` for a pool, :func:`die_with_parent` as a subprocess ``preexec_fn``.
The kill is SIGKILL: outputs are written atomically (:mod:`convanim._files`), so a killed worker
leaves at most a temporary file, never a truncated asset.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Any

__all__ = ["die_with_parent", "pool_options"]

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_POLL_SECONDS = 1.0


def _set_pdeathsig() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(_POLL_SECONDS)


def die_with_parent(parent: int | None = None) -> None:
    """Make the calling (child) process die when ``parent`` (default: its current parent) does.

    Call it first thing in the child: as a pool ``initializer`` (see :func:`pool_options`) or
    as a subprocess ``preexec_fn``. If the parent already died before the request was made
    (a race no signal can cover), the child exits at once.
    """
    parent = os.getppid() if parent is None else parent
    if not _set_pdeathsig():
        threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()
    if os.getppid() != parent:  # the parent died before the request: nobody will send it
        os._exit(1)


def pool_options() -> dict[str, Any]:
    """Keyword arguments for ``ProcessPoolExecutor`` whose workers die with this process.

    >>> sorted(pool_options())
    ['initargs', 'initializer']
    """
    return {"initializer": die_with_parent, "initargs": (os.getpid(),)}
