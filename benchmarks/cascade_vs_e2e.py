"""A cascade (16² base + ×4 upsampler) against one end-to-end 64² model at equal training CPU time, on the bundled shapes.

The comparison behind simple diffusion's claim that one end-to-end model can replace a cascade [SD Sec. 1; ADM Sec. 4].
Both sides use the demo's recipe (tiny_unet, class-conditional with label dropout 0.1, v-prediction, shifted cosine
schedule with reference 64, AdamW 2e-3 with warm-up and cosine decay, EMA 0.999, one thread):
  - end-to-end: tiny_unet at 64², batch 32, guidance 2 at sampling;
  - cascade: tiny_unet at 16² (batch 64, guidance 2) for `--base-share` of the budget, then tiny_unet_sr at 64² from
    16² (batch 32, noise-conditioning augmentation: training log-SNR ~ U(0, 10), sampling at 6; no guidance) for the rest.
Steps are set from a calibration (seconds per step of each network, measured side by side in this process) so that
each side's training takes `--minutes` CPU-minutes; the measured train times are reported with the results.
Each seed's runs and scores are cached under OUT; a stopped script resumes.

    python benchmarks/cascade_vs_e2e.py [--minutes 8] [--seeds 0 1 2] [--n 64] [--sample-steps 25]
"""
from __future__ import annotations
import argparse, json, os, statistics, time
from pathlib import Path

import torch

from simple_diffusion.config import make_config
from simple_diffusion.train import train, build_parts, _step_loader, train_step, LoopState
from simple_diffusion.run import Run, sample_cascade
from simple_diffusion.shapes import ShapesDataset
from simple_diffusion.metrics import evaluate

RECIPE = dict(data_size=20_000, lr=2e-3, warmup_steps=100, lr_schedule="cosine", schedule="shifted_cosine",
              schedule_kw=dict(base_size=64), prediction="v", class_conditional=True, label_dropout=0.1, ema_decays=(0.999,),
              threads=1, log_every=100, ckpt_every=250, sample_every=0, sample_n=16, eval_n=0, progress=False,
              sampler="ddim", sample_steps=50)
SIDES = {"e2e": dict(model="tiny_unet", image_size=64, batch_size=32, guidance_scale=2.0),
         "base": dict(model="tiny_unet", image_size=16, batch_size=64, guidance_scale=2.0),
         "sr": dict(model="tiny_unet_sr", image_size=64, batch_size=32, guidance_scale=1.0,
                    low_res_logsnr_range=(0.0, 10.0), low_res_logsnr=6.0)}


def _json(path: Path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp"); tmp.write_text(json.dumps(obj, indent=1)); os.replace(tmp, path)


def seconds_per_step(name: str, reps: int = 6) -> float:
    "Median seconds per training step of SIDES[name] (after 2 warm-up steps), one thread."
    cfg = make_config(None, **RECIPE, **SIDES[name], steps=reps + 2, out_dir="/tmp/calib_" + name, resume=False)
    p = build_parts(cfg, None, torch.device("cpu"))
    batches, st, times = iter(_step_loader(p.dataset, cfg, 0, 1, 0)), LoopState(), []
    for i in range(reps + 2):
        t0 = time.perf_counter(); train_step(p, batches, st); st.step += 1
        if i >= 2: times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=8.0, help="training CPU-minutes per side and seed")
    ap.add_argument("--base-share", type=float, default=1 / 3, help="the cascade's share of its budget spent on the base")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--n", type=int, default=64, help="samples scored per seed and side")
    ap.add_argument("--sample-steps", type=int, default=25, help="DDIM steps of every sampling stage")
    ap.add_argument("--out", default="runs/cascade")
    ap.add_argument("--results", default="benchmarks/results/cascade")
    a = ap.parse_args()
    torch.set_num_threads(1)
    out, res = Path(a.out), Path(a.results)
    plan_path = res / "plan.json"
    if plan_path.exists(): plan = json.loads(plan_path.read_text())
    else:                                                      # calibrate once; the plan is kept so a resumed suite matches
        sps = {k: seconds_per_step(k) for k in SIDES}
        budget = 60 * a.minutes
        steps = {"e2e": round(budget / sps["e2e"]), "base": round(a.base_share * budget / sps["base"]),
                 "sr": round((1 - a.base_share) * budget / sps["sr"])}
        plan = dict(minutes=a.minutes, base_share=a.base_share, seconds_per_step=sps, steps=steps)
        _json(plan_path, plan)
    print("plan:", plan, flush=True)
    real = torch.stack([ShapesDataset(a.n, 64, seed=10**6)[i][0] for i in range(a.n)])
    for seed in a.seeds:
        runs = {}
        for k in SIDES:
            cfg = make_config(None, **RECIPE, **SIDES[k], steps=plan["steps"][k], seed=seed, out_dir=str(out / f"{k}_s{seed}"))
            s = train(cfg)
            runs[k] = (Run(out / f"{k}_s{seed}"), s["train_time_s"])
        for side in ("e2e", "cascade"):
            path = res / "runs" / f"{side}_s{seed}.json"
            if path.exists(): continue
            labels = torch.arange(a.n) % 3
            t0 = time.perf_counter()
            st = dict(steps=a.sample_steps)
            if side == "e2e": x = runs["e2e"][0].generate(a.n, seed=1, class_labels=labels, **st)
            else: low, x = sample_cascade(runs["base"][0], runs["sr"][0], a.n, seed=1, class_labels=labels,
                                          base_options=st, upsampler_options=st)
            sec = (time.perf_counter() - t0) / a.n
            x = x.clamp(-1, 1)
            sc = evaluate(x, real, metrics=("swd", "validity"), seed=seed)
            train_s = runs["e2e"][1] if side == "e2e" else runs["base"][1] + runs["sr"][1]
            r = dict(side=side, seed=seed, validity=sc["validity"]["fraction"], reasons=sc["validity"]["reasons"],
                     swd=sc["swd"]["mean"], swd_levels=sc["swd"]["levels"], s_per_image=round(sec, 4), train_s=round(train_s, 1),
                     steps={k: plan["steps"][k] for k in (("e2e",) if side == "e2e" else ("base", "sr"))})
            if side == "cascade":
                from simple_diffusion.shapes import check_validity
                r["base_validity16"] = float(check_validity(low.clamp(-1, 1)))
                # the upsampler alone, on real held-out shapes area-downsampled: how much of the error is the base's
                r["sr_of_real_validity"] = float(check_validity(runs["sr"][0].generate(a.n, seed=1, **st).clamp(-1, 1)))
                r["train_s_parts"] = dict(base=round(runs["base"][1], 1), sr=round(runs["sr"][1], 1))
            from simple_diffusion.data import image_grid, save_png
            save_png(image_grid(x[:16], ncol=4), path.with_suffix(".png"))
            _json(path, r); print(r, flush=True)


if __name__ == "__main__":
    main()
