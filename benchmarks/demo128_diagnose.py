"""Where do a high-resolution run's edges go soft? The checker's edge measure (`shapes.edge_blur`) through sampling.

    python benchmarks/demo128_diagnose.py runs/d128v3 > benchmarks/results/demo128/diagnose.txt
    python benchmarks/demo128_diagnose.py runs/demo256 --parts 1 2 3 > benchmarks/results/demo256/diagnose.txt

For one trained run (its EMA weights, its sampler settings), on `--n` held-out images (data seed 10⁶) and the same
sampling seed throughout, one thread:

1. **One denoising step from real noisy images**: x̂ of z = αx + σε at fixed log-SNRs, validity and median edge_blur,
   next to z/α itself (doing nothing). A network that renders sharp edges gives x̂ as sharp as the data (≈ 0.5).
2. **Sampling from real images noised to λ₀**: the run's sampler over the part of its grid above λ₀. If this fails
   from λ₀ = 0 while x̂ in (1) is sharp, the error accumulates along the sampler's own path; if (1) is soft too, the
   network's denoiser is.
3. **The full sampler's path**: edge_blur of x̂ at every fifth step, from noise.
4. **Other grids and samplers** on the same network.

`edge_blur` counts pixels of partial coverage per pixel of outline: about 0.5 for the dataset's images, 1.35σ for
an edge blurred by a Gaussian of σ px; the checker rejects above 1.6 ("blurry edge").
"""
import argparse, time

import torch

from simple_diffusion.config import make_schedule
from simple_diffusion.forward import diffuse
from simple_diffusion.run import Run
from simple_diffusion.sampling import SAMPLERS, logsnr_grid, make_denoiser
from simple_diffusion.schedules import alpha_sigma
from simple_diffusion.shapes import ShapesDataset, check_validity, edge_blur


def score(x: torch.Tensor) -> str:
    b = edge_blur(x.clamp(-1, 1))
    ok = b.isfinite()
    med = f"{b[ok].median():.2f}" if ok.any() else "  - "
    rep = check_validity(x.clamp(-1, 1), return_details=True)
    why = max(rep.reasons, key=rep.reasons.get) if rep.reasons else "-"
    return f"valid {rep.fraction:4.2f}, edge_blur median {med} ({int(ok.sum())} measured), most failures: {why}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a run folder or checkpoint")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3, 4], choices=[1, 2, 3, 4], help="which of the four to run")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    run = Run(a.run)
    cfg, opts = run.config, dict(run.sampling)
    sampler, steps = opts.pop("sampler"), opts.pop("steps")
    S = cfg.image_size
    ds = ShapesDataset(a.n, S, seed=10**6)
    x = torch.stack([ds[i][0] for i in range(a.n)])
    y = torch.tensor([ds[i][1] for i in range(a.n)]) if cfg.class_conditional else None
    schedule = make_schedule(cfg)
    print(f"{run}; {a.n} held-out {S}² images; sampler {sampler}, {steps} steps, options {opts}")
    print(f"data: {score(x)}")
    gen = lambda: torch.Generator().manual_seed(a.seed)

    if 1 in a.parts: one_step(run, x, y, gen)
    if 2 in a.parts: from_real(run, x, y, gen, schedule, sampler, steps, opts)
    if 3 in a.parts: path(run, a, S)
    if 4 in a.parts: grids(run, a, schedule, steps)


def one_step(run, x, y, gen):
    cfg = run.config
    print("\n1. one denoising step from real noisy images (no guidance)")
    den = make_denoiser(run.model, cfg.prediction, class_labels=y)
    for lam in (0.0, 2.0, 4.0, 6.0, 8.0):
        z, _ = diffuse(x, torch.tensor(lam), generator=gen())
        with torch.no_grad(): x_hat = den(z, lam)[0]
        print(f"  λ={lam:4.1f}: x̂ {score(x_hat)} | z/α {score(z / alpha_sigma(torch.tensor(lam))[0])}", flush=True)


def from_real(run, x, y, gen, schedule, sampler, steps, opts):
    cfg = run.config
    print(f"\n2. the run's sampler from real images noised to λ₀ (its grid above λ₀; guidance as the run's)")
    guide = {k: opts[k] for k in ("guidance_scale", "guidance_interval") if k in opts}
    den = make_denoiser(run.model, cfg.prediction, class_labels=y, **guide)
    grid = logsnr_grid(schedule, steps)
    kw = {k: v for k, v in opts.items() if k not in guide}
    for lam0 in (0.0, 2.0, 4.0):
        sub = torch.cat([torch.tensor([lam0], dtype=torch.float64), grid[grid > lam0]])
        z, _ = diffuse(x, torch.tensor(lam0), generator=gen())
        with torch.no_grad(): out = SAMPLERS[sampler](den, z, sub, generator=gen(), progress=False, **kw)
        print(f"  λ₀={lam0:3.1f} ({len(sub) - 1} steps): {score(out)}", flush=True)


def path(run, a, S):
    print("\n3. the full sampler from noise, x̂ along the way")
    trail = []
    t0 = time.time()
    out = run.generate(a.n, seed=a.seed, callback=lambda d: trail.append((float(d["logsnr"]), d["x_hat"].clone())))
    for i, (lam, xh) in enumerate(trail):
        if i % 5 == 0 or i == len(trail) - 1: print(f"  step {i:3d} λ={lam:6.2f}: x̂ {score(xh)}")
    print(f"  final: {score(out)}, pooled to 32²: valid {check_validity(out, pool_to=32):.2f}"
          f" ({time.time() - t0:.0f} s)", flush=True)


def grids(run, a, schedule, steps):
    print("\n4. other grids and samplers")
    t = torch.linspace(1, 0, steps + 1, dtype=torch.float64)
    for name, o in {"uniform in log-SNR": dict(spacing="logsnr"), "t² grid (more steps near data)": dict(logsnrs=schedule(t ** 2)),
                    "ddpm 100 steps, γ = 1": dict(sampler="ddpm", steps=100, noise_param=1.0)}.items():
        t0 = time.time()
        print(f"  {name}: {score(run.generate(a.n, seed=a.seed, **o))} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
