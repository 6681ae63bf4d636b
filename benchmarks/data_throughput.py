#!/usr/bin/env python
"""Throughput on one core of `simple_diffusion.shapes` (generation, the validity checker) and `simple_diffusion.data`
(ImageFolder checks).

    OMP_NUM_THREADS=1 python benchmarks/data_throughput.py

Prints images/second (best of 3 repeats) and, for ImageFolder, the construction cost per file of the cheap check
(PIL `verify`) beside the full decode, and a loaded item, so the `full_check` default can be judged.
"""
import os, tempfile, time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from simple_diffusion.data import ImageFolder, readable
from simple_diffusion.shapes import ShapesDataset, check_validity

torch.set_num_threads(1)

def best(f, repeat=3):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)

print("ShapesDataset generation and check_validity, images/s on one core")
print(f"{'size':>6} {'generate':>10} {'check':>10}")
for S, n in ((32, 2000), (64, 1000), (128, 300)):
    ds = ShapesDataset(n, S, seed=0)
    gen = n / best(lambda: [ds[i] for i in range(n)])
    X = torch.stack([ds[i][0] for i in range(n)])
    chk = n / best(lambda: check_validity(X), repeat=1)
    print(f"{S:>6} {gen:>10.0f} {chk:>10.0f}")

print("\nImageFolder per-file cost (ms): verify only, verify + full decode, one __getitem__ at 64 px")
print(f"{'files':>22} {'verify':>8} {'full':>8} {'item':>8} {'full/verify':>12}")
rng = np.random.default_rng(0)
with tempfile.TemporaryDirectory() as tmp:
    for name, size, fmt in (("PNG 32x32", 32, "png"), ("JPEG 512x384", 512, "jpg"), ("WebP 256x256", 256, "webp")):
        folder = Path(tmp) / name.replace(" ", "_")
        folder.mkdir()
        files = []
        for k in range(100):   # smooth images (compress like photos, unlike noise)
            base = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
            img = Image.fromarray(base).resize((size, size * 3 // 4 if fmt == "jpg" else size), Image.Resampling.BICUBIC)
            files.append(folder / f"{k}.{fmt}"); img.save(files[-1])
        v = best(lambda: [readable(p, full=False) for p in files]) / len(files) * 1e3
        f = best(lambda: [readable(p, full=True) for p in files]) / len(files) * 1e3
        ds = ImageFolder(folder, 64)
        it = best(lambda: [ds[i] for i in range(len(ds))]) / len(ds) * 1e3
        print(f"{name:>22} {v:>8.3f} {f:>8.3f} {it:>8.3f} {f / v:>12.1f}")
