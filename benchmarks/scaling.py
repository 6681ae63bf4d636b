"""Cost per image as the resolution grows, with and without input downsampling (simple diffusion's argument).

    python benchmarks/scaling.py [--quick] [--sizes 64 128 256 512] [--variants none dwt2 dwt4] [--batch 1]
                                 [--json benchmarks/results/scaling.json]

The network is the simple-diffusion U-Net preset (`sd_unet_imagenet128`) shrunk so that a 512² training step takes
seconds on one CPU core: 4 levels of widths 16/32/64/128 (`base_channels=16`, `channel_mult=(1, 2, 4, 8)`), 1/1/2/2
residual blocks, self-attention at 16×16 and 8×8 feature maps and in the middle block, no classes, dropout 0. The
same network is trained on images of each size with the input transform `none` (first level at full resolution),
`dwt2` (one-level 5/3 DWT, first level at size/2) or `dwt4` (two levels, size/4), so only the resolution at which
the network starts changes. Each (size, variant) runs in a fresh process (see `train_step.measure`): median CPU
seconds of a training step (forward, backward, AdamW) divided by the batch, and peak tensor memory (weights,
AdamW state and the step's allocations, see `train_step.py`); peak RSS is stored in the JSON too.
"""
from __future__ import annotations
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import run_child, n_params       # noqa: E402

VARIANTS = {"none": ("none", 1), "dwt2": ("dwt", 2), "dwt4": ("dwt", 4)}

def spec(size: int, variant: str) -> dict:
    "The shrunk simple-diffusion U-Net at `size`² with input transform `variant`."
    t, k = VARIANTS[variant]
    return dict(kind="ours", preset="sd_unet_imagenet128", overrides=dict(
        image_size=size, input_transform=t, input_factor=k, base_channels=16, channel_mult=[1, 2, 4, 8],
        num_blocks=[1, 1, 2, 2], attn_resolutions=[16, 8], heads=None, head_channels=16, dropout=0.0,
        emb_channels=64, norm_groups=16, num_classes=None))

def table(rows: list[dict], variants: list[str]) -> str:
    "Markdown: CPU ms per image and peak MiB per size and variant, and the cost relative to `none`."
    head = "| size | " + " | ".join(f"{v} ms/img | {v} MiB" for v in variants)
    rel = [v for v in variants if v != "none"] if "none" in variants else []
    head += "".join(f" | none/{v} time | {v}/none memory" for v in rel) + " |"
    out = [head, "|" + "---|" * (1 + 2 * len(variants) + 2 * len(rel))]
    for size in sorted({r["size"] for r in rows}):
        by = {r["variant"]: r for r in rows if r["size"] == size}
        line = f"| {size} | " + " | ".join(f"{1e3 * by[v]['sec_per_image']:.0f} | {by[v]['peak_mib']:.0f}" for v in variants)
        line += "".join(f" | {by['none']['sec_per_image'] / by[v]['sec_per_image']:.1f}× "
                        f"| {by[v]['peak_mib'] / by['none']['peak_mib']:.2f}" for v in rel)
        out.append(line + " |")
    return "\n".join(out)

def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[64, 128, 256, 512])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="sizes 64 128 256, 1 timed step")
    ap.add_argument("--json", default=None)
    return ap

def main(argv=None) -> list[dict]:
    a = parser().parse_args(argv)
    if a.quick: a.sizes, a.steps = [s for s in a.sizes if s <= 256], 1
    print(f"scaling: shrunk sd U-Net, training step CPU time per image, batch {a.batch}, {a.threads} thread(s), "
          f"median of {a.steps} after {a.warmup} warm-up, one fresh process per cell", flush=True)
    rows = []
    for size in a.sizes:
        for v in a.variants:
            s = spec(size, v)
            m = run_child(s, size, a.batch, a.steps, a.warmup, a.threads)
            rows.append(dict(size=size, variant=v, params=n_params(s), sec_per_image=m["cpu_per_step"] / a.batch,
                             wall_per_image=m["wall_per_step"] / a.batch, peak_mib=m["peak_mib"],
                             peak_rss_mib=m["peak_rss_mib"], batch=a.batch))
            print(f"  {size}² {v:5s}: {1e3 * rows[-1]['sec_per_image']:.0f} ms/image, {m['peak_mib']:.0f} MiB",
                  flush=True)
    print(table(rows, a.variants))
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f: json.dump(dict(args=vars(a), network=spec(64, "none"), results=rows), f, indent=1)
    return rows

if __name__ == "__main__":
    main()
