"""Forward + backward time per image of the CPU presets, on this machine.

    python benchmarks/cpu_presets.py [--batch 16] [--size 32] [--threads 2] [--steps 5]

Builds each CPU preset, runs `--warmup` untimed then `--steps` timed training steps (forward, MSE to a random
target, backward) at the given batch and resolution in float32, and prints parameters and the median step time
divided by the batch. Indicative only: on a shared machine the numbers move with the load.
"""
import argparse, statistics, time

import torch

from simple_diffusion.presets import create_model

def bench(name: str, batch: int, size: int, steps: int, warmup: int) -> tuple[int, float]:
    "Parameters and median seconds per image of one forward+backward of preset `name`."
    torch.manual_seed(0)
    m = create_model(name).train()
    z, lam = torch.randn(batch, 3, size, size), torch.randn(batch)
    target = torch.randn(batch, 3, size, size)
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        o = m(z, lam)
        loss = (o - (target if o.shape == target.shape else torch.randn_like(o))).square().mean()
        m.zero_grad(set_to_none=True); loss.backward()
        if i >= warmup: times.append(time.perf_counter() - t)
    return sum(p.numel() for p in m.parameters()), statistics.median(times) / batch

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--presets", nargs="+", default=["tiny_unet", "tiny_uvit", "tiny_classifier"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} threads, batch {a.batch}, {a.size}x{a.size}, float32, "
          f"median of {a.steps} steps after {a.warmup} warm-up")
    print(f"{'preset':18s} {'params':>10s} {'fwd+bwd ms/image':>17s} {'images/s':>9s}")
    for name in a.presets:
        n, s = bench(name, a.batch, a.size, a.steps, a.warmup)
        print(f"{name:18s} {n / 1e6:9.2f}M {1e3 * s:17.1f} {1 / s:9.1f}")
