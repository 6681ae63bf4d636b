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
import argparse, datetime, json, os, platform, subprocess, sys

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
    ap.add_argument("--skip", nargs="*", default=[], choices=["train_step", "scaling", "sampling"],
                    help="parts not to run; their last results in --out, if present, are reported again (marked)")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    q = ["--quick"] if a.quick else []
    where = machine()
    print(where, flush=True)
    cmd = " ".join(["python benchmarks/run.py"] + (argv if argv is not None else sys.argv[1:]))
    md = [f"# Benchmark results\n\n{where}. Command: `{cmd}`.\n"]
    rows = srows = rows16 = None
    def earlier(name):          # a skipped part's last results, if any
        path = os.path.join(a.out, name)
        if not os.path.exists(path): return None
        with open(path) as f: return f.read() if name.endswith(".txt") else json.load(f)
    if "train_step" not in a.skip:
        rows = train_step.main(q + ["--json", os.path.join(a.out, "train_step.json")])
        if not a.quick:   # the U-Net pairs again at batch 16, where activations (not weights) dominate memory
            rows16 = train_step.main(["--pairs", "unet128", "unet128_same", "--batch", "16", "--reps", "2", "--steps", "1",
                                      "--json", os.path.join(a.out, "train_step_b16.json")])
    elif (old := earlier("train_step.json")):
        rows = old["results"]; md.append("(training step: earlier run, not re-run)\n")
        if (old16 := earlier("train_step_b16.json")): rows16 = old16["results"]
    if rows: md += ["## Training step: ours vs peers\n", train_step.table(rows), ""]
    if rows16: md += ["## Training step, U-Net pairs at batch 16\n", train_step.table(rows16), ""]
    if "scaling" not in a.skip:
        srows = scaling.main(q + ["--json", os.path.join(a.out, "scaling.json")])
    elif (old := earlier("scaling.json")): srows = old["results"]; md.append("(scaling: earlier run, not re-run)\n")
    if srows: md += ["## Cost per image against resolution (shrunk sd U-Net)\n", scaling.table(srows, list(scaling.VARIANTS)), ""]
    s = sampling(os.path.join(a.out, "sampling_overhead.txt"), a.quick) if "sampling" not in a.skip else earlier("sampling_overhead.txt")
    if s is None: print("sampling: not run and no earlier results")
    else:
        print(s)
        md += ["## Sampling (benchmarks/sampling_overhead.py)\n", "```", s.strip(), "```", ""]
    print("\n=== ratios ===")
    if rows:
        for r in rows + (rows16 or []):
            goal, ok = train_step.GOALS[r["pair"]]
            print(f"{r['pair']:12s} batch {r['batch']:2d} ours/peer images/s {r['speedup']:.2f}× (per-rep {r['speedup_min']:.2f}–"
                  f"{r['speedup_max']:.2f}), peak memory ours/peer {r['memory_ratio']:.2f}  "
                  f"[goal: {goal}: {'met' if ok(r) else 'NOT met'}]")
    if srows:
        for size in sorted({r["size"] for r in srows}):
            by = {r["variant"]: r for r in srows if r["size"] == size}
            print(f"scaling {size}²: none/dwt2 time {by['none']['sec_per_image'] / by['dwt2']['sec_per_image']:.1f}×, "
                  f"none/dwt4 time {by['none']['sec_per_image'] / by['dwt4']['sec_per_image']:.1f}×, "
                  f"dwt4/none memory {by['dwt4']['peak_mib'] / by['none']['peak_mib']:.2f}")
    with open(os.path.join(a.out, "summary.md"), "w") as f: f.write("\n".join(md) + "\n")

if __name__ == "__main__":
    main()
