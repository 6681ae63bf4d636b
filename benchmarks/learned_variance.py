"""Learned Σ (hybrid loss) against L_simple with fixed variances, on the bundled shapes at 32² [iDDPM Sec. 3].

Two runs of the same tiny U-Net (tiny_unet, unconditional, ε-prediction, cosine schedule, the same seed, data and
steps): one with Σ channels trained with the hybrid loss (λ = 0.001, T = 1000), one trained on L_simple alone.
Then, on 256 held-out images:
  - DDPM's discrete bound (T = 1000, 64 stratified steps per image) in bits/dim: learned Σ, fixed small (σ̃²), fixed
    large (β), and VDM's continuous-time bound (mean only; + 7 bits for 8-bit bins);
  - DDPM ancestral sampling at 25 and 50 steps with learned / fixed small / fixed large variance, x̂ clipped to
    [-1, 1] at every step (DDPM's and ADM's clip_denoised; unclipped ε-prediction diverges at the noisy end):
    validity by the bundled checker and SWD against held-out images.
Each finished run and each evaluation is cached in OUT (a stopped script resumes).

    python benchmarks/learned_variance.py [--steps 1000] [--out runs/learned_variance] [--results benchmarks/results/learned_variance]
"""
from __future__ import annotations
import argparse, json, os, time
from pathlib import Path

import torch

from simple_diffusion.config import make_config
from simple_diffusion.train import train
from simple_diffusion.run import Run
from simple_diffusion.shapes import ShapesDataset, check_validity
from simple_diffusion.likelihood import discrete_vlb, bits_per_dim
from simple_diffusion.metrics import evaluate


def _json(path: Path, obj):
    tmp = path.with_name(path.name + ".tmp"); tmp.write_text(json.dumps(obj, indent=1)); os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--n", type=int, default=256, help="held-out images for the bounds, and samples per setting")
    ap.add_argument("--out", default="runs/learned_variance")
    ap.add_argument("--results", default="benchmarks/results/learned_variance")
    a = ap.parse_args()
    torch.set_num_threads(1)
    out, res = Path(a.out), Path(a.results); res.mkdir(parents=True, exist_ok=True)
    common = dict(model="tiny_unet", image_size=32, data_size=20_000, batch_size=64, steps=a.steps, lr=2e-3, warmup_steps=100,
                  lr_schedule="cosine", schedule="cosine", prediction="eps", class_conditional=False, ema_decays=(0.999,),
                  threads=1, log_every=100, ckpt_every=250, sample_every=0, sample_n=16, eval_n=0, progress=False)
    arms = {"hybrid": dict(model_kw={"learn_sigma": True}), "simple": {}}
    runs = {}
    for name, kw in arms.items():
        cfg = make_config(None, **common, **kw, out_dir=str(out / name))
        s = train(cfg)
        runs[name] = (Run(out / name), s["train_time_s"])
        print(f"{name}: trained {s['steps']} steps in {s['train_time_s']:.0f} s, final loss {s['final_loss']:.4f}", flush=True)
    real = torch.stack([ShapesDataset(a.n, 32, seed=10**6)[i][0] for i in range(a.n)])
    rows_path = res / "rows.json"
    rows = json.loads(rows_path.read_text()) if rows_path.exists() else []
    done = {(r["run"], r["measure"], r.get("variance"), r.get("steps")) for r in rows}
    def add(r):
        rows.append(r); _json(rows_path, rows); print(r, flush=True)
    for name, (run, _) in runs.items():
        m, sched = run.model, None
        from simple_diffusion.config import make_schedule
        sched = make_schedule(run.config)
        variances = (["learned"] if name == "hybrid" else []) + [0.0, 1.0]
        for v in variances:
            if (name, "discrete_vlb", v, None) in done: continue
            terms = discrete_vlb(m, real, sched, T=1000, prediction="eps", noise_param=v, n_k=64,
                                 generator=torch.Generator().manual_seed(0))
            add(dict(run=name, measure="discrete_vlb", variance=v, bpd=terms["total"].mean().item(),
                     per_image=[round(u, 5) for u in terms["total"].tolist()],
                     bpd_se=(terms["total"].std() / len(real) ** 0.5).item(), prior=terms["prior"].mean().item(),
                     steps_term=terms["steps"].mean().item(), decoder=terms["decoder"].mean().item()))
        if (name, "vdm_bpd", None, None) not in done:
            with torch.no_grad():
                b = bits_per_dim(m, real, sched, "eps", n_t=16, bins=256, generator=torch.Generator().manual_seed(0))
            add(dict(run=name, measure="vdm_bpd", bpd=b.mean().item(), bpd_se=(b.std() / len(real) ** 0.5).item(),
                     per_image=[round(u, 5) for u in b.tolist()]))
        for steps in (25, 50):
            for v in variances:
                if (name, "samples", v, steps) in done: continue
                t0 = time.perf_counter()
                x = run.generate(a.n, seed=1, sampler="ddpm", steps=steps, noise_param=v, clip_x=1.0).clamp(-1, 1)
                sec = (time.perf_counter() - t0) / a.n
                sc = evaluate(x, real, metrics=("swd", "validity"), seed=0)
                add(dict(run=name, measure="samples", variance=v, steps=steps, validity=sc["validity"]["fraction"],
                         swd=sc["swd"]["mean"], s_per_image=round(sec, 4)))
    (res / "train.json").write_text(json.dumps({k: t for k, (_, t) in runs.items()}, indent=1))


if __name__ == "__main__":
    main()
