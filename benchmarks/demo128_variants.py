"""Short side-by-side runs of candidate demo128 / demo256 networks: training loss and held-out x-error per log-SNR after N steps.

    python benchmarks/demo128_variants.py E3 E3L --steps 300      # one process per variant; run two at a time on 2 cores
    python benchmarks/demo128_variants.py W96 --steps 150 --batch 16   # a demo256 variant (its preset comes with it)

Each variant trains its run preset (`demo128`, or `demo256` for the W variants: `PRESET`; shifted cosine schedule,
base 64; constant lr 2e-3 after 50 warm-up steps, batch `--batch` (32), one thread, same seed) with its network overrides for `--steps` steps, then measures the raw network's x-prediction error per pixel
at fixed log-SNRs on 32 held-out images (`ablations.loss_by_logsnr`, fixed noise), as a ratio to the error of doing
nothing (x̂ = z/α: e^-λ). A ratio near 1 at high log-SNR means the network cannot yet take the noise out of an
almost clean image: its samples keep that noise. Variants (the names of the demo128 notes in the benchmarks page):

- E3: 4×4 patches into a 32² level of 48 channels (as many as a patch has values), SiLU before the output conv;
- E3L: E3 with a linear head (`head_activation=False`);
- V3: a 32² level of 96 channels with only its decoder block, SiLU head; V3L: V3 with the linear head (`tiny_unet128`);
- V3L2: V3L with an encoder block and a second decoder block at 32² (more work per pixel for the outlines);
- W48 (`demo256`): `tiny_unet256` as it is, a 64² level of 48 channels (as many as a 4×4 patch has values);
- W96 (`demo256`): its 64² level twice as wide (96), as V3 widened demo128's 32² level.
"""
import argparse, json, math, time

import torch

from simple_diffusion.ablations import loss_by_logsnr
from simple_diffusion.config import make_config
from simple_diffusion.run import Run
from simple_diffusion.shapes import ShapesDataset
from simple_diffusion.train import train

_COMMON = dict(attn_resolutions=(8, 4), head_channels=32, resblock_updown=False, conv_resample=False, input_factor=4)
_E3 = dict(_COMMON, base_channels=48, channel_mult=(1, 4 / 3, 8 / 3, 8 / 3), num_blocks=(1, 1, 2, 2),
           decoder_blocks=(1, 2, 3, 3), dropout=(0, 0, 0.1, 0.1))
_V3 = dict(_COMMON, base_channels=96, channel_mult=(1, 2 / 3, 4 / 3, 4 / 3), num_blocks=(0, 1, 2, 2),
           decoder_blocks=(1, 1, 3, 3), dropout=(0, 0, 0.1, 0.1))
VARIANTS = {"E3": dict(_E3, head_activation=True), "E3L": dict(_E3, head_activation=False),
            "V3": dict(_V3, head_activation=True), "V3L": dict(_V3, head_activation=False),
            "V3L2": dict(_V3, head_activation=False, num_blocks=(1, 1, 2, 2), decoder_blocks=(2, 1, 3, 3)),
            "W48": {}, "W96": dict(base_channels=96, channel_mult=(1, 1, 2 / 3, 4 / 3, 4 / 3))}
PRESET = {"W48": "demo256", "W96": "demo256"}     # the others are demo128 variants
GRID = (-3.0, 0.0, 3.0, 6.0, 9.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="+", choices=list(VARIANTS))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--out", default="runs/demo128_variants")
    a = ap.parse_args()
    torch.set_num_threads(1)
    for name in a.variants:
        preset = PRESET.get(name, "demo128")
        cfg = make_config(preset, out_dir=f"{a.out}/{name}", steps=a.steps, batch_size=a.batch, eval_n=0, sample_every=0,
                          sample_n=4, progress=False, log_every=50, ckpt_every=a.steps, model_kw=VARIANTS[name],
                          lr_schedule="constant", warmup_steps=50, schedule="shifted_cosine", schedule_kw=dict(base_size=64))
        s = train(cfg)
        run = Run(s["checkpoint"], ema=False)
        ds = ShapesDataset(32, cfg.image_size, seed=10**6)
        x, y = torch.stack([ds[i][0] for i in range(32)]), torch.tensor([ds[i][1] for i in range(32)])
        err = loss_by_logsnr(run.model, x, y, cfg.prediction, logsnrs=GRID, batch=16)
        print(json.dumps(dict(name=name, preset=preset, steps=a.steps, batch=a.batch, params_m=round(sum(p.numel() for p in run.model.parameters()) / 1e6, 2), train_s=s["train_time_s"], images_per_s=s["images_per_s"],
                              final_loss=round(s["final_loss"], 4), xerr={l: round(e, 5) for l, e in zip(GRID, err)},
                              ratio_to_identity={l: round(e / math.exp(-l), 3) for l, e in zip(GRID, err)})), flush=True)


if __name__ == "__main__":
    main()
