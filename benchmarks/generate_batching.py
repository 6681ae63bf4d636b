"""What seeding per image and fixed-shape network calls cost in `Run.generate`, measured side by side in one run.

`Run.generate` gives every image its own generator and calls the network on exactly `eval_batch` examples at a time
(`run.FixedBatch`), so that an image never depends on the batch it was drawn in. This script times generating the
same images three ways on one untrained `tiny_unet` run (32², class-conditional, guidance 2, DDIM):

- `eval_batch=16` (the default),
- `eval_batch` = the whole guided batch (2 × batch rows in one call: the old behaviour's shape, no padding),
- `eval_batch=1` (one image per call: batch-independent without `FixedBatch`, the slow alternative),

interleaved over `--reps` repetitions, and prints the medians and their ratios to the one-call case.

    python benchmarks/generate_batching.py [--n 64] [--batch 64] [--steps 20] [--reps 3] [--threads 1]
"""
import argparse, statistics, tempfile, time

import torch

from simple_diffusion.config import make_config
from simple_diffusion.train import train
from simple_diffusion.run import Run


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as d:
        train(make_config("smoke", out_dir=d, image_size=32, steps=1, ckpt_every=1, class_conditional=True,
                          guidance_scale=2.0, progress=False, eval_n=0, sample_n=1, sample_steps=1))
        run = Run(d)
        ways = {"eval_batch=16 (default)": 16, f"eval_batch={2 * a.batch} (one call per step)": 2 * a.batch,
                "eval_batch=1": 1}
        times = {k: [] for k in ways}
        for _ in range(a.reps):
            for k, e in ways.items():
                t0 = time.perf_counter()
                run.generate(a.n, seed=0, batch=a.batch, steps=a.steps, eval_batch=e)
                times[k].append(time.perf_counter() - t0)
    ref = statistics.median(times[f"eval_batch={2 * a.batch} (one call per step)"])
    print(f"{a.n} images, 32², DDIM {a.steps} steps with guidance, batch {a.batch}, {a.threads} thread(s), "
          f"median of {a.reps}")
    for k, ts in times.items():
        m = statistics.median(ts)
        print(f"  {k:<36} {1e3 * m / a.n:7.2f} ms/image   {m / ref:5.2f}x the one-call time")


if __name__ == "__main__":
    main()
