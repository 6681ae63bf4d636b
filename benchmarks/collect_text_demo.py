"""Copy a finished text-to-image run's measurements into a results folder (for committing), with a prompt grid.

    python benchmarks/collect_text_demo.py runs/text_demo benchmarks/results/text_demo

Reads the run's `summary.json` and `faithfulness.json` (written by the papermill job `nbs/train.ipynb`), copies them,
and draws 12 samples of the run's EMA model from 6 held-in and 6 held-out captions (seed 7, the job's prompt table)
into `prompts.png` (one row each) with the captions in `prompts.txt`, line i = image i.
"""
import json, shutil, sys
from pathlib import Path

from simple_diffusion.data import image_grid, save_png
from simple_diffusion.run import Run
from simple_diffusion.shapes import CaptionedShapes


def main(run_dir: str, out: str):
    run_dir, out = Path(run_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", "faithfulness.json", "config.json"):
        if not (run_dir / name).is_file(): raise FileNotFoundError(f"{run_dir / name} is missing: run the papermill job first")
        shutil.copy(run_dir / name, out / name)
    run = Run(run_dir)
    S = run.config.image_size
    caps = CaptionedShapes(6, S, seed=30_000, split="train").captions + CaptionedShapes(6, S, seed=30_000, split="heldout").captions
    images = run.generate(len(caps), seed=7, prompts=caps)
    save_png(image_grid(images, ncol=6), out / "prompts.png")
    (out / "prompts.txt").write_text("".join(f"{'held-in' if i < 6 else 'held-out'}: {c}\n" for i, c in enumerate(caps)))
    grid = Path(json.loads((run_dir / "summary.json").read_text())["sample_grid"])
    shutil.copy(grid, out / "sample_grid.png")
    print(f"wrote {sorted(p.name for p in out.iterdir())} to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
