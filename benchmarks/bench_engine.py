#!/usr/bin/env python
"""Benchmark: the NumPy engine against torch CPU, in the same run.

    .venv/bin/python benchmarks/bench_engine.py [--repeat 7] [--threads N]

Case (issue 3): conv2d forward + backward (grad input, weight, bias) on x (8, 64, 56, 56),
64 output channels, k3 p1, float32. Target: within 3× of torch. Also prints the forward alone,
float64, and the cost of a 7×7 step trace.

Runs alternate (engine, torch, engine, torch, …) so both see the same machine load; the
figures are medians. ``--threads N`` gives both libraries N threads (NumPy's OpenBLAS reads
OPENBLAS_NUM_THREADS at import, so it is set before NumPy is imported).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable


def _alternating(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    for fn in fns.values():
        fn()  # warm-up: allocations, BLAS thread start-up, torch's kernel choice
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def _cases(np, E, torch, dtype):  # noqa: ANN001, ANN202 - modules passed in after env set-up
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 56, 56)).astype(dtype)
    w = (rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(dtype)
    b = rng.standard_normal(64).astype(dtype)
    gy = rng.standard_normal((8, 64, 56, 56)).astype(dtype)
    fns: dict[str, Callable[[], object]] = {
        "numpy_fwd": lambda: E.conv2d(x, w, b, padding=1),
        "numpy_fwd_bwd": lambda: (
            E.conv2d(x, w, b, padding=1),
            E.conv_backward(x, w, gy, padding=1),
        ),
    }
    y = E.conv2d(x, w, b, padding=1)
    assert y.dtype == dtype
    if torch is not None:
        F = torch.nn.functional
        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(w).requires_grad_()
        bt = torch.from_numpy(b).requires_grad_()
        gyt = torch.from_numpy(gy)

        def t_fwd() -> object:
            with torch.no_grad():
                return F.conv2d(xt, wt, bt, padding=1)

        def t_fwd_bwd() -> None:
            xt.grad = wt.grad = bt.grad = None
            F.conv2d(xt, wt, bt, padding=1).backward(gyt)

        fns["torch_fwd"] = t_fwd
        fns["torch_fwd_bwd"] = t_fwd_bwd
        tol = 1e-3 if dtype == np.float32 else 1e-9
        np.testing.assert_allclose(y, t_fwd().numpy(), rtol=tol, atol=tol)
    return fns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import numpy as np

    from convanim import engine as E

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)

    results = {}
    for dtype in (np.float32, np.float64):
        results[np.dtype(dtype).name] = _alternating(_cases(np, E, torch, dtype), args.repeat)

    x7 = E.example_values((7, 7), seed=1)
    k3 = E.classic_kernel("sobel_x")
    trace_ms = _alternating({"t": lambda: E.trace_conv(x7, k3, padding=1)}, 20)["t"] * 1e3

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(
        f"conv2d (8, 64, 56, 56) → 64 channels, k3 p1; median of {args.repeat}, runs alternated; "
        f"cpus {os.cpu_count()}, load {load:.1f}; threads: torch "
        f"{torch.get_num_threads() if torch else '-'}, OpenBLAS {threads}"
    )
    print(f"{'dtype':8} {'pass':10} {'engine ms':>10} {'torch ms':>10} {'ratio':>7}")
    worst = float("nan")
    for name, r in results.items():
        for key, label in (("fwd", "forward"), ("fwd_bwd", "fwd+bwd")):
            n = r[f"numpy_{key}"] * 1e3
            if f"torch_{key}" in r:
                t = r[f"torch_{key}"] * 1e3
                print(f"{name:8} {label:10} {n:10.1f} {t:10.1f} {n / t:6.2f}×")
                if name == "float32" and key == "fwd_bwd":
                    worst = n / t
            else:
                print(f"{name:8} {label:10} {n:10.1f} {'(no torch)':>10}")
    print(f"trace_conv, 7×7 input, 3×3 kernel, padding 1 (49 steps): {trace_ms:.2f} ms")
    if torch is not None:
        verdict = "within" if worst <= 3 else "OUTSIDE"
        print(f"target: float32 fwd+bwd within 3× of torch → {worst:.2f}× ({verdict})")
        sys.exit(0 if worst <= 3 else 1)


if __name__ == "__main__":
    main()
