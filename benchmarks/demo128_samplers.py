"""Does the sampler rescue demo128? Validity at 128² and pooled to 32² of one trained demo128 run under several samplers.

    python benchmarks/demo128_samplers.py runs/d128v3 48 > benchmarks/results/demo128/samplers.txt

Same seed (1) and the same 48 image indices for every setting; one thread. (The run is `demo128` with 1 100 steps,
committed as benchmarks/results/demo128/d128v3_*.)
"""
import sys, time, torch
from simple_diffusion.run import Run
from simple_diffusion.shapes import check_validity

torch.set_num_threads(1)
run = Run(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 48
settings = [dict(), dict(guidance_scale=1.0), dict(guidance_scale=3.0), dict(sampler="ddpm", steps=100),
            dict(sampler="ddim", steps=100, eta=1.0), dict(sampler="dpmpp_2m", steps=25), dict(steps=200)]
print(f"{run}\n{n} samples per setting (seed 1); defaults: {run.sampling}")
for s in settings:
    t0 = time.time()
    x = run.generate(n, seed=1, **s)
    r = check_validity(x, return_details=True)
    p = torch.nn.functional.avg_pool2d(x, x.shape[-1] // 32)
    print(s or "run defaults", f"valid {r.fraction:.3f} pooled32 {check_validity(p):.3f}", r.reasons, f"{time.time() - t0:.0f}s", flush=True)
