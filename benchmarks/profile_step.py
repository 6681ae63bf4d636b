"""Where one training step of a run preset spends its time, on one CPU thread: data, network steps, backward, optimizer, EMA.

    python benchmarks/profile_step.py [--preset demo128] [--batch 32] [--reps 5]

Times, as medians over `--reps` steps after one warm-up: rendering/reading the batch (`train.make_dataset` items), the
input transform, each named step of the network's forward pass (forward hooks on `enc[...]`, `mid`, `dec[...]`, the
output head), the backward pass, AdamW and the EMA update. Backward is not split by step (autograd runs it as one
graph); as a rule it costs about twice the forward of the same step.
"""
import argparse, statistics, time
from collections import defaultdict

import torch

from simple_diffusion.config import make_config, build_model, make_schedule
from simple_diffusion.losses import diffusion_loss
from simple_diffusion.train import EMA, make_dataset, make_optimizer, with_data_classes


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="demo128")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(1)
    cfg = make_config(a.preset, data_size=max(4 * a.batch, 256))
    ds = make_dataset(cfg)
    cfg = with_data_classes(cfg, ds)
    net, sched = build_model(cfg).train(), make_schedule(cfg)
    opt, ema = make_optimizer(cfg, net), EMA(net, cfg.ema_decays)
    fwd, marks = defaultdict(list), {}
    def pre(name):
        def f(m, i): marks[name] = time.perf_counter()
        return f
    def post(name):
        def f(m, i, o): fwd[name].append(time.perf_counter() - marks[name])
        return f
    steps = [(f"enc.{k}", m) for k, m in net.enc.items()] + [("mid", net.mid)] + [(f"dec.{k}", m) for k, m in net.dec.items()] + [("out", net.out)]
    for name, m in steps: m.register_forward_pre_hook(pre(name)); m.register_forward_hook(post(name))
    rows = defaultdict(list)
    for r in range(a.reps + 1):
        t0 = time.perf_counter()
        items = [ds[i] for i in range(r * a.batch % len(ds), r * a.batch % len(ds) + a.batch)]
        x, y = torch.stack([it[0] for it in items]), torch.tensor([it[1] for it in items])
        t1 = time.perf_counter()
        t = torch.rand(a.batch)
        loss = diffusion_loss(net, x, sched(t), prediction=cfg.prediction, class_labels=y).mean()
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
        t4 = time.perf_counter()
        ema.update(net, r)
        t5 = time.perf_counter()
        if r == 0: fwd.clear(); continue
        for k, v in (("data", t1 - t0), ("forward (loss incl.)", t2 - t1), ("backward", t3 - t2), ("clip + AdamW", t4 - t3), ("EMA", t5 - t4)):
            rows[k].append(v)
    total = sum(statistics.median(v) for v in rows.values())
    print(f"{a.preset}: {cfg.model} at {cfg.image_size}², batch {a.batch}, 1 thread, median of {a.reps} steps: "
          f"{1e3 * total:.0f} ms/step, {a.batch / total:.1f} images/s")
    for k, v in rows.items():
        m = statistics.median(v); print(f"  {k:<22} {1e3 * m:8.1f} ms  {100 * m / total:5.1f} %")
    f_total = statistics.median(rows["forward (loss incl.)"])
    print("  forward by network step (share of the forward):")
    for name, _ in steps:
        m = statistics.median(fwd[name]); print(f"    {name:<20} {1e3 * m:8.1f} ms  {100 * m / f_total:5.1f} %")


if __name__ == "__main__":
    main()
