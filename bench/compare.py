#!/usr/bin/env python3
"""Time unrolled's native engine against PyTorch on the same work.

The work (see src/workload.rs): one layer, unidirectional, float64 (PyTorch also in float32, its
default, in the same run), batch first, parameters
from PyTorch's default init, input N(0, 1) requiring grad; forward, then
``loss = output.sum(); loss.backward()`` (so grad_output is all ones and every parameter and
input gradient is computed). unrolled is timed by its own ``unrolled bench`` command (warmup,
then the median of N iterations); PyTorch is timed here the same way with
``time.perf_counter``.

Both run single-threaded: ``unrolled bench`` runs without ``--threads`` (one thread), and this script calls
``torch.set_num_threads(1)`` (and ``set_num_interop_threads(1)``) before any work.

The optional "analysis" column is unrolled with its per-step analysis switched on as well
(Jacobian-product norms and carry paths, ``unrolled bench --analysis``), which PyTorch does
not compute at all: it shows the price of the analysis, not a like-for-like comparison.

Usage:
    python3 bench/compare.py [--iters N] [--warmup N] [--no-analysis] [--quick]

Prints a markdown table and writes it to bench/out/pytorch.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "unrolled"
OUT = ROOT / "bench" / "out" / "pytorch.md"

# (B, T, I, H)
CONFIGS = [(1, 100, 32, 32), (32, 100, 128, 128)]
CELLS = ["lstm", "gru", "rnn_tanh"]


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def import_torch():
    try:
        import torch  # noqa: PLC0415
    except ImportError as e:
        die(f"PyTorch is not installed ({e}); install it with `pip install torch` and rerun")
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (only allowed once per process)
    return torch


def ensure_binary() -> None:
    if BIN.exists():
        return
    print(f"building {BIN.relative_to(ROOT)} ...", file=sys.stderr)
    r = subprocess.run(
        ["cargo", "build", "--release", "--bin", "unrolled"], cwd=ROOT, timeout=1800
    )
    if r.returncode != 0 or not BIN.exists():
        die("cargo build --release --bin unrolled failed")


def unrolled_median(cell: str, b: int, t: int, i: int, h: int, iters: int, analysis: bool) -> float:
    cmd = [
        str(BIN), "bench", "--cell", cell, "--input-size", str(i), "--hidden-size", str(h),
        "--steps", str(t), "--batch", str(b), "--iters", str(iters),
    ]
    if analysis:
        cmd.append("--analysis")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    rec = json.loads(r.stdout)
    if not rec.get("checksum_finite", False):
        die(f"unrolled bench produced a non-finite checksum: {rec}")
    return float(rec["median_us"])


def torch_median(torch, cell: str, b: int, t: int, i: int, h: int, iters: int, warmup: int,
                 dtype: str = "float64") -> float:
    torch.manual_seed(0)
    if cell == "lstm":
        mod = torch.nn.LSTM(i, h, batch_first=True)
    elif cell == "gru":
        mod = torch.nn.GRU(i, h, batch_first=True)
    else:
        mod = torch.nn.RNN(i, h, nonlinearity=cell.removeprefix("rnn_"), batch_first=True)
    dt = getattr(torch, dtype)
    mod = mod.to(dt)
    x = torch.randn(b, t, i, dtype=dt, requires_grad=True)

    def step() -> None:
        mod.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = mod(x)
        loss = out.sum()
        loss.backward()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e6)
    if not all(torch.isfinite(p.grad).all() for p in mod.parameters()):
        die(f"PyTorch produced non-finite gradients for {cell}")
    return statistics.median(times)


def fmt_us(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iters", type=int, default=30, help="timed iterations per measurement (default 30)")
    ap.add_argument("--warmup", type=int, default=3, help="PyTorch warmup iterations (default 3; unrolled bench warms up 3)")
    ap.add_argument("--analysis-iters", type=int, default=3,
                    help="iterations for the --analysis column (default 3: at B=32, H=128 one iteration takes seconds)")
    ap.add_argument("--no-analysis", action="store_true", help="skip the unrolled --analysis column")
    ap.add_argument("--quick", action="store_true", help="tiny run to check the script works (iters 3)")
    args = ap.parse_args()
    if args.quick:
        args.iters = 3
        args.analysis_iters = 1
    if args.iters < 1 or args.analysis_iters < 1 or args.warmup < 0:
        die("--iters and --analysis-iters must be >= 1, --warmup >= 0")

    torch = import_torch()
    ensure_binary()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    header = ["config", "cell", "unrolled median (f64)", "PyTorch f64 median", "speed-up vs f64",
              "PyTorch f32 median", "speed-up vs f32"]
    if not args.no_analysis:
        header.append(f"unrolled + analysis median ({args.analysis_iters} iters)")
    rows = []
    for (b, t, i, h) in CONFIGS:
        config = f"B={b} T={t} I={i} H={h}"
        for cell in CELLS:
            ours = unrolled_median(cell, b, t, i, h, args.iters, analysis=False)
            theirs = torch_median(torch, cell, b, t, i, h, args.iters, args.warmup)
            f32 = torch_median(torch, cell, b, t, i, h, args.iters, args.warmup, "float32")
            row = [config, cell, fmt_us(ours), fmt_us(theirs), f"{theirs / ours:.2f}×",
                   fmt_us(f32), f"{f32 / ours:.2f}×"]
            if not args.no_analysis:
                row.append(fmt_us(unrolled_median(cell, b, t, i, h, args.analysis_iters, analysis=True)))
            rows.append(row)
            print(" | ".join(row), file=sys.stderr, flush=True)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    note = (
        f"unrolled float64 against PyTorch float64 and float32 (its default), single-threaded (torch {torch.__version__}, {torch.get_num_threads()} thread), "
        f"median of {args.iters} iterations of forward + backward of output.sum(); "
        f"{platform.machine()}, {os.cpu_count()} cores, 1-min load average {load_start:.2f} at the start, {load:.2f} at the end."
    )
    table = "\n".join(lines)
    print(table)
    print()
    print(note)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(f"# unrolled vs PyTorch\n\n{table}\n\n{note}\n")
    print(f"\nwritten to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
