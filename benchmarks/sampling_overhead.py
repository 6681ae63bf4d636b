"""Sampling time per image for each sampler at its recommended step count, and the share spent outside the model.

    python benchmarks/sampling_overhead.py [--preset tiny_unet] [--batch 8] [--reps 3] [--threads 2]

The network is `simple_diffusion.presets.create_model(PRESET)` (default `tiny_unet`, the 32² CPU preset; built
class-conditional with 10 classes so the classifier-free guidance row can run), in eval mode, float32, random weights
(timing does not depend on them). Each configuration runs `reps` times after one untimed warm-up run; every run samples
one batch of `batch` images. The model is wrapped in a timer that adds up the wall time of each forward call, so

    share outside the model = 1 − (sum of forward-call times) / (total sampling time).

What is outside the model: the sampler's arithmetic (step formulas, the x/eps conversion, noise draws), the denoiser
wrapper (guidance combination, concatenation), the Python loop and the progress machinery (disabled here). Medians
over the repetitions are reported, with min–max of the per-image time; the configurations run round-robin within
each repetition, so load drifts on a shared machine hit all alike. `batch` is the batch per model call (2× with
classifier-free guidance: conditional and unconditional halves in one forward).
"""
import argparse
import statistics
import time

import torch

from simple_diffusion.presets import create_model
from simple_diffusion.sampling import RECOMMENDED_STEPS, sample
from simple_diffusion.schedules import get_schedule


class TimedModel:
    "Forwards to `model`, adding up the wall time of every call."
    def __init__(self, model):
        self.model, self.seconds, self.calls, self.images = model, 0.0, 0, 0
        self.num_classes = getattr(model, "num_classes", None)
    def __call__(self, *args, **kw):
        t = time.perf_counter()
        out = self.model(*args, **kw)
        self.seconds += time.perf_counter() - t
        self.calls += 1
        self.images += len(args[0])
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="tiny_unet")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = create_model(args.preset, num_classes=10).eval()
    size = net.cfg.image_size if hasattr(net, "cfg") else 32
    shape = (args.batch, 3, size, size)
    sched = get_schedule("shifted_cosine", image_size=size, base_size=32)
    labels = torch.arange(args.batch) % 10
    configs = [("ddpm", {}, {}), ("ddim", {}, {}), ("dpmpp_2m", {}, {}),
               ("dpmpp_2m", {"guidance_scale": 4.0}, {"cfg": "scale 4"})]
    print(f"model {args.preset} ({sum(p.numel() for p in net.parameters()) / 1e6:.2f} M params), images {shape[1:]}, "
          f"batch {args.batch}, threads {torch.get_num_threads()}, reps {args.reps}")
    print(f"{'sampler':10s} {'guidance':9s} {'steps':>5s} {'calls':>5s} {'batch':>5s} {'s/image':>8s} {'(min-max)':>15s} "
          f"{'ms/step/img':>11s} {'outside model':>13s}")
    results = {i: ([], [], None) for i in range(len(configs))}
    for rep in range(args.reps + 1):                               # round-robin: load drifts hit every sampler alike
        for i, (name, extra, tag) in enumerate(configs):
            timed = TimedModel(net)
            g = torch.Generator().manual_seed(rep)
            t = time.perf_counter()
            sample(timed, shape, sched, RECOMMENDED_STEPS[name], name, "v", class_labels=labels, generator=g,
                   progress=False, **extra)
            total = time.perf_counter() - t
            if rep == 0: continue                                    # warm-up
            results[i][0].append(total / args.batch)
            results[i][1].append(1 - timed.seconds / total)
            results[i] = (results[i][0], results[i][1], (timed.calls, timed.images))
    for i, (name, extra, tag) in enumerate(configs):
        per_image, outside, (calls, images) = results[i]
        steps, med = RECOMMENDED_STEPS[name], statistics.median(per_image)
        print(f"{name:10s} {tag.get('cfg', 'none'):9s} {steps:5d} {calls:5d} {images // calls:5d} {med:8.3f} "
              f"({min(per_image):6.3f}-{max(per_image):6.3f}) {1e3 * med / steps:11.2f} "
              f"{100 * statistics.median(outside):12.1f}%")

if __name__ == "__main__":
    main()
