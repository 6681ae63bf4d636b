"""All benchmarks in one run; prints the ratios the issue asks for and writes them to benchmarks/results/.

    bash benchmarks/setup.sh          # once: the peers (diffusers, denoising-diffusion-pytorch)
    python benchmarks/run.py          # full run (20 min on the 2 shared cores, load ~8, of the committed run)
    python benchmarks/run.py --quick  # smaller: batch 2, 2 repetitions, sizes up to 256

Parts: training step against the peers (`train_step.py`), cost against resolution (`scaling.py`), and, when
`sampling_overhead.py` is present, its output with `--reps 1` (time per image per sampler, overhead outside the
model; run it on its own for more repetitions). Results:
`results/train_step.json`, `results/scaling.json`, `results/sampling_overhead.txt`, `results/summary.md`.
"""
from __future__ import annotations
import argparse, datetime, os, platform, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_step, scaling      # noqa: E402

def machine() -> str:
    "One line describing where the numbers were taken."
    import torch
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} at start, "
            f"torch {torch.__version__}, Python {platform.python_version()}, {datetime.datetime.now():%Y-%m-%d %H:%M}")

def sampling(out: str, quick: bool) -> str | None:
    "Output of `sampling_overhead.py` if it exists (run as a subprocess), saved to `out`."
    script = os.path.join(HERE, "sampling_overhead.py")
    if not os.path.exists(script): return None
    r = subprocess.run([sys.executable, script] + (["--reps", "1", "--batch", "4"] if quick else ["--reps", "1"]),
                       capture_output=True, text=True)
    text = r.stdout + (f"\n[exit {r.returncode}]\n{r.stderr[-2000:]}" if r.returncode else "")
    with open(out, "w") as f: f.write(text)
    return text

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--skip", nargs="*", default=[], choices=["train_step", "scaling", "sampling"])
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    q = ["--quick"] if a.quick else []
    where = machine()
    print(where, flush=True)
    md = [f"# Benchmark results\n\n{where}. Command: `python benchmarks/run.py{' --quick' if a.quick else ''}`.\n"]
    if "train_step" not in a.skip:
        rows = train_step.main(q + ["--json", os.path.join(a.out, "train_step.json")])
        md += ["## Training step: ours vs peers\n", train_step.table(rows), ""]
    if "scaling" not in a.skip:
        srows = scaling.main(q + ["--json", os.path.join(a.out, "scaling.json")])
        md += ["## Cost per image against resolution (shrunk sd U-Net)\n", scaling.table(srows, list(scaling.VARIANTS)), ""]
    if "sampling" not in a.skip:
        s = sampling(os.path.join(a.out, "sampling_overhead.txt"), a.quick)
        if s is None: print("sampling: benchmarks/sampling_overhead.py not present, skipped")
        else:
            print(s)
            md += ["## Sampling (benchmarks/sampling_overhead.py)\n", "```", s.strip(), "```", ""]
    print("\n=== ratios ===")
    if "train_step" not in a.skip:
        for r in rows:
            goal, ok = train_step.GOALS[r["pair"]]
            print(f"{r['pair']:8s} ours/peer images/s {r['speedup']:.2f}× (per-rep {r['speedup_min']:.2f}–"
                  f"{r['speedup_max']:.2f}), peak memory ours/peer {r['memory_ratio']:.2f}  "
                  f"[goal: {goal}: {'met' if ok(r) else 'NOT met'}]")
    if "scaling" not in a.skip:
        for size in sorted({r["size"] for r in srows}):
            by = {r["variant"]: r for r in srows if r["size"] == size}
            print(f"scaling {size}²: none/dwt2 time {by['none']['sec_per_image'] / by['dwt2']['sec_per_image']:.1f}×, "
                  f"none/dwt4 time {by['none']['sec_per_image'] / by['dwt4']['sec_per_image']:.1f}×, "
                  f"dwt4/none memory {by['dwt4']['peak_mib'] / by['none']['peak_mib']:.2f}")
    with open(os.path.join(a.out, "summary.md"), "w") as f: f.write("\n".join(md) + "\n")

if __name__ == "__main__":
    main()
