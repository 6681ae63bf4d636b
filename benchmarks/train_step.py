"""Training-step throughput and peak memory on CPU: our networks against their peers, side by side.

    python benchmarks/train_step.py [--quick] [--pairs uvit64 uvit128 unet128] [--batch 4] [--reps 3] [--threads 2]
                                    [--json benchmarks/results/train_step.json]

One *training step* = forward, MSE to a fixed random target, backward, `torch.optim.AdamW.step()`, float32, train
mode, dropout 0, on random inputs of the pair's resolution.

Method. Every measurement runs in a fresh Python process (`--child SPEC`): the child imports everything, builds the
model and optimizer, runs `warmup` untimed then `steps` timed steps and reports the median step time. Memory, two
ways: (1) *peak tensor memory*, the headline: weights, buffers and AdamW state (summed from the tensors) plus the
most the CPU allocator held at once during one more step (forward, backward, AdamW), read from the memory events of
`torch.profiler` (`profile_memory=True`, "Total Allocated"): activations, gradients and temporaries, exactly, without
code pages or allocator slack; (2) *peak RSS*: the resident-set high-water mark (`VmHWM`, reset after the imports
through `/proc/self/clear_refs` on Linux) minus the resident set at the reset; it includes the code pages that torch
and each library touch the first time (~100 MiB of fixed cost seen here), so it compresses ratios towards 1.
Time is the process's CPU time (`time.process_time`) with one intra-op thread by default: on a shared,
oversubscribed machine wall time mostly measures the neighbours (seen here: the same step 7 s and 18 s of wall time
at load 12 on 2 cores), while CPU time of a single-threaded process does not count time spent descheduled. Wall time
is recorded too (`--clock wall` ranks by it). The two contenders of a pair alternate process by process (A B B A …)
so drifts hit both alike; for each pair we report ratio = median(peer s/step) / median(ours s/step), i.e. our
images/s over the peer's, with the min–max of the per-repetition ratios as the spread, and peak memory ours / peer
(medians).

Pairs (the mapping is written out in `PAIRS` below and printed with parameter counts):
- `demo128`, `demo256`: the networks the high-resolution demos train (`tiny_unet128`, `tiny_unet256`) against the
  peer's `UViT` at the same resolution and within a few per cent of the same parameter count (width 48, dim_mults
  1/2/4, 6 transformer blocks; 4×4 patches at 128², 8×8 at 256²). Goal: ours at least as fast.
- `uvit64`, `uvit128`: our U-ViT against denoising-diffusion-pytorch's `UViT` (lucidrains, `simple_diffusion.py`) at
  equal configuration: 2×2 patch conv in / transposed conv out, the same conv widths per level, the peer's block
  layout (2 residual blocks per encoder level and 2 per decoder level, skips from the residual blocks only:
  `decoder_blocks=2`; plain conv resampling: `resblock_updown=False`), a 4-block transformer of the same width and
  heads (head dim = width/heads) and MLP ratio 4 at 16×16. Our conditioning width (`emb_channels`) is chosen so
  total parameter counts match within 1 % (the peer's MLPs take a time-conditioned scale-shift of the hidden width,
  which ours do not, so at equal emb width it has more parameters). Differences that remain, by design of each
  library: the peer adds linear attention at every conv level, a final residual block on a global skip and
  resamples with 1×1 convs around pixel (un)shuffle; ours resamples with a 3×3 stride-2 conv and nearest + 3×3 conv.
- `uvit64_adm`, `uvit128_adm`: the same against our default layout (DDPM/ADM: 3 decoder blocks per level, every
  encoder output a skip, BigGAN residual up/down blocks), which does more conv work than the peer per level.
- `unet128`, `unet128_same`: the paper's argument. The peer is diffusers' `UNet2DModel` in the layout of diffusers'
  own unconditional-training example (block widths 128/128/256/256/512/512, 2 layers per block, attention at the
  5th level) at half width (64/64/128/128/256/256), working at full resolution: levels 128/64/32/16/8/4, attention
  at 8. Ours works behind a 2-level 5/3 DWT (128² × 3 → 32² × 48): levels 32/16/8/4, 2 blocks per level, attention
  at 8 and in the middle. `unet128_same` keeps the peer's widths at the same resolutions (128/128/256/256: the peer
  without its two top levels, 31.2 M parameters against 28.4 M, as our BigGAN up/down blocks add more than the two
  levels took away); `unet128` makes the first level after the DWT thin (64/128/256/256, 29.1 M), putting the
  parameters at low resolution as the paper does with its 16×16 levels.

Peers are optional: `benchmarks/setup.sh` installs them. denoising-diffusion-pytorch's package `__init__` imports
torchvision and pytorch-fid (unusable beside this torch build), so its `simple_diffusion.py` file is loaded on its own
under another module name (`ddp_simple_diffusion`); it needs only torch, einops and tqdm.
"""
from __future__ import annotations
import argparse, gc, importlib.util, json, os, resource, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
W, DEPTH, HEADS = 64, 4, 4                         # U-ViT pair: base width, transformer blocks, heads


# ---- contenders ------------------------------------------------------------------------------------------------
def uvit_pair(size: int, emb: int, layout: str = "matched") -> tuple[dict, dict]:
    """Our U-ViT and the peer's at `size`² with the transformer at 16×16 (2×2 patches, then 2× downsampling per level).
    layout "matched": the peer's block layout (2 decoder blocks per level, skips from the residual blocks only, plain
    conv resampling); "adm": our default (3 decoder blocks per level, BigGAN residual up/down)."""
    mults = {64: (4,), 128: (2, 4)}[size]       # peer's dim_mults: conv widths W·(1, m_1, …), transformer W·m_L
    lay = dict(decoder_blocks=2, resblock_updown=False) if layout == "matched" else {}
    ours = dict(kind="ours", preset="sd_uvit_imagenet128", overrides=dict(
        image_size=size, input_transform="patch_conv", input_factor=2, base_channels=W,
        channel_mult=[1, *mults[:-1]], num_blocks=2, attn_resolutions=[], dropout=0.0, emb_channels=emb,
        transformer_channels=W * mults[-1], transformer_depth=DEPTH, transformer_heads=HEADS, mlp_ratio=4.0,
        transformer_dropout=0.0, num_classes=None, **lay))
    peer = dict(kind="ddp_uvit", kwargs=dict(dim=W, init_dim=W, dim_mults=list(mults), patch_size=2, vit_depth=DEPTH,
                                             attn_heads=HEADS, attn_dim_head=W * mults[-1] // HEADS, ff_mult=4,
                                             vit_dropout=0.0))
    return ours, peer

def unet_pair(size: int = 128, layout: str = "lean") -> tuple[dict, dict]:
    """diffusers' example U-Net layout at half width, full resolution, and ours behind a 2-level DWT, levels size/4 …
    size/32. layout "same": the peer's widths at the same resolutions (128/128/256/256), i.e. the peer minus its two
    top levels; "lean": 64/128/256/256, a thin first level after the DWT, parameters at low resolution."""
    ch = [64, 64, 128, 128, 256, 256]                          # levels size … size/32, attention at size/16
    peer = dict(kind="diffusers", kwargs=dict(
        sample_size=size, in_channels=3, out_channels=3, block_out_channels=ch, layers_per_block=2,
        down_block_types=["DownBlock2D"] * 4 + ["AttnDownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "AttnUpBlock2D"] + ["UpBlock2D"] * 4, attention_head_dim=32))
    ours = dict(kind="ours", preset="sd_unet_imagenet128", overrides=dict(
        image_size=size, input_transform="dwt", input_factor=4, base_channels=128,
        channel_mult=[1, 1, 2, 2] if layout == "same" else [0.5, 1, 2, 2],
        num_blocks=2, attn_resolutions=[size // 16], heads=None, head_channels=32, dropout=0.0, emb_channels=256,
        num_classes=None))                                      # levels size/4 … size/32
    return ours, peer

def demo_pair(size: int) -> tuple[dict, dict]:
    """The network the demoN run presets train (`tiny_unetN`: 4×4 patches, a full-rank top level, most blocks at 16² and
    below) against the peer's UViT at the same resolution and about the same parameter count (width 48, dim_mults
    1/2/4, a 6-block transformer of width 192; 4×4 patches at 128², 8×8 at 256²)."""
    ours = dict(kind="ours", preset=f"tiny_unet{size}", overrides={})
    peer = dict(kind="ddp_uvit", kwargs=dict(dim=48, init_dim=48, dim_mults=[1, 2, 4], patch_size={128: 4, 256: 8}[size],
                                             vit_depth=6, attn_heads=4, attn_dim_head=48, ff_mult=4, vit_dropout=0.0))
    return ours, peer

PAIRS = {"demo128": (128, lambda: demo_pair(128), "the demo128 network (tiny_unet128) vs denoising-diffusion-pytorch UViT, similar size"),
         "demo256": (256, lambda: demo_pair(256), "the demo256 network (tiny_unet256) vs denoising-diffusion-pytorch UViT, similar size"),
         "uvit64": (64, lambda: uvit_pair(64, 768), "U-ViT 64² vs denoising-diffusion-pytorch UViT, the peer's block layout"),
         "uvit128": (128, lambda: uvit_pair(128, 640), "U-ViT 128² vs denoising-diffusion-pytorch UViT, the peer's block layout"),
         "uvit64_adm": (64, lambda: uvit_pair(64, 640, "adm"), "U-ViT 64² vs denoising-diffusion-pytorch UViT, our ADM layout"),
         "uvit128_adm": (128, lambda: uvit_pair(128, 320, "adm"), "U-ViT 128² vs denoising-diffusion-pytorch UViT, our ADM layout"),
         "unet128": (128, unet_pair, "DWT-input U-Net 128² (lean first level) vs diffusers UNet2DModel (full resolution)"),
         "unet128_same": (128, lambda: unet_pair(128, "same"), "DWT-input U-Net 128² (peer's widths) vs diffusers UNet2DModel")}

def load_ddp_module():
    "denoising-diffusion-pytorch's `simple_diffusion.py`, loaded from its file without the package `__init__`."
    spec = importlib.util.find_spec("denoising_diffusion_pytorch")
    if spec is None: raise ImportError("denoising-diffusion-pytorch is not installed: run benchmarks/setup.sh")
    path = os.path.join(spec.submodule_search_locations[0], "simple_diffusion.py")
    s = importlib.util.spec_from_file_location("ddp_simple_diffusion", path)
    mod = importlib.util.module_from_spec(s)
    s.loader.exec_module(mod)
    return mod

def _tuples(d: dict) -> dict: return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

def build(spec: dict):
    "The model of a contender spec and a function `(model, z, logsnr) -> output` that calls it."
    if spec["kind"] == "ours":
        from simple_diffusion.presets import create_model
        return create_model(spec["preset"], **_tuples(spec["overrides"])), lambda m, z, lam: m(z, lam)
    if spec["kind"] == "ddp_uvit":
        return load_ddp_module().UViT(**_tuples(spec["kwargs"])), lambda m, z, lam: m(z, lam)
    if spec["kind"] == "diffusers":
        from diffusers import UNet2DModel
        t_of = lambda lam: 1000 * (1 - 2 / 3.141592653589793 * lam.mul(-0.5).exp().atan())   # cosine t of log-SNR
        return UNet2DModel(**_tuples(spec["kwargs"])), lambda m, z, lam: m(z, t_of(lam)).sample
    raise ValueError(f"unknown contender kind {spec['kind']!r}; expected 'ours', 'ddp_uvit' or 'diffusers'")

def n_params(spec: dict) -> int:
    "Parameter count of a contender (built on the meta device)."
    import torch
    with torch.device("meta"): m, _ = build(spec)
    return sum(p.numel() for p in m.parameters())


# ---- one measurement in this (fresh) process -------------------------------------------------------------------
def _status_mib(key: str) -> float:
    "A memory line of /proc/self/status (VmRSS: resident now, VmHWM: resident high-water mark) in MiB."
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"): return int(line.split()[1]) / 1024
    raise KeyError(key)

def start_peak() -> tuple[float, bool]:
    "Reset the RSS high-water mark (Linux `clear_refs` 5) and return (baseline MiB, whether the reset worked)."
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f: f.write("5")
        return _status_mib("VmRSS"), True
    except OSError:              # no reset: fall back to ru_maxrss, which may still hold the imports' transient peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, False

def peak_since(base: float, reset: bool) -> float:
    "Peak resident memory above `base` (MiB) since `start_peak`."
    return (_status_mib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024) - base

def measure(spec: dict, size: int, batch: int, steps: int, warmup: int, threads: int) -> dict:
    "Median seconds per training step and peak RSS above the post-import baseline (MiB), in this process."
    import torch
    torch.set_num_threads(threads)
    base, reset = start_peak()
    torch.manual_seed(0)
    model, call = build(spec)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    z, target = torch.randn(batch, 3, size, size), torch.randn(batch, 3, size, size)
    lam = torch.linspace(-10, 10, batch)
    cpu, wall = [], []
    for i in range(warmup + steps):
        c0, w0 = time.process_time(), time.perf_counter()
        loss = (call(model, z, lam) - target).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup: cpu.append(time.process_time() - c0); wall.append(time.perf_counter() - w0)
    rss = peak_since(base, reset)
    # peak tensor memory of one more step: persistent tensors (weights, buffers, AdamW state) + the most the CPU
    # allocator held at once during the step, read from the profiler's memory events (which count from its start)
    opt.zero_grad(set_to_none=True)
    nbytes = lambda ts: sum(t.numel() * t.element_size() for t in ts if torch.is_tensor(t))
    persistent = nbytes(model.parameters()) + nbytes(model.buffers()) + nbytes(
        t for st in opt.state.values() for t in st.values())
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        loss = (call(model, z, lam) - target).square().mean()
        loss.backward()
        opt.step()
    with tempfile.TemporaryDirectory() as d:
        prof.export_chrome_trace(os.path.join(d, "trace.json"))
        with open(os.path.join(d, "trace.json")) as f: events = json.load(f)["traceEvents"]
    step_peak = max((e["args"]["Total Allocated"] for e in events if e.get("name") == "[memory]"), default=0)
    return dict(cpu_per_step=statistics.median(cpu), wall_per_step=statistics.median(wall), cpu=cpu, wall=wall,
                peak_rss_mib=rss, peak_mib=(persistent + step_peak) / 2**20, persistent_mib=persistent / 2**20,
                batch=batch)

def run_child(spec: dict, size: int, batch: int, steps: int, warmup: int, threads: int) -> dict:
    "`measure` in a fresh subprocess of this script."
    arg = json.dumps(dict(spec=spec, size=size, batch=batch, steps=steps, warmup=warmup, threads=threads))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONWARNINGS="ignore")
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", arg], capture_output=True, text=True,
                       env=env)
    if r.returncode: raise RuntimeError(f"child failed for {spec['kind']}:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# ---- a pair, interleaved ---------------------------------------------------------------------------------------
def bench_pair(name: str, batch: int, reps: int, steps: int, warmup: int, threads: int, clock: str = "cpu",
               log=print) -> dict:
    "Ours and the peer of pair `name`, alternating fresh processes ABBA…; ratios of medians with their spread."
    size, make, desc = PAIRS[name]
    ours, peer = make()
    res = {"ours": [], "peer": []}
    for r in range(reps):
        order = ("ours", "peer") if r % 2 == 0 else ("peer", "ours")
        for who in order:
            res[who].append(run_child(ours if who == "ours" else peer, size, batch, steps, warmup, threads))
        log(f"  {name} rep {r + 1}/{reps}: ours {res['ours'][-1][clock + '_per_step']:.3f} s/step, "
            f"peer {res['peer'][-1][clock + '_per_step']:.3f} s/step ({clock} time)")
    t = {k: [m[clock + "_per_step"] for m in v] for k, v in res.items()}
    mem = {k: statistics.median(m["peak_mib"] for m in v) for k, v in res.items()}
    rss = {k: statistics.median(m["peak_rss_mib"] for m in v) for k, v in res.items()}
    per_rep = [p / o for o, p in zip(t["ours"], t["peer"])]
    return dict(pair=name, description=desc, size=size, batch=batch, threads=threads, reps=reps, steps=steps, clock=clock,
                wall_per_step_ours=[m["wall_per_step"] for m in res["ours"]],
                wall_per_step_peer=[m["wall_per_step"] for m in res["peer"]],
                params_ours=n_params(ours), params_peer=n_params(peer), ours=ours, peer=peer,
                sec_per_step_ours=t["ours"], sec_per_step_peer=t["peer"],
                images_per_s_ours=batch / statistics.median(t["ours"]),
                images_per_s_peer=batch / statistics.median(t["peer"]),
                speedup=statistics.median(t["peer"]) / statistics.median(t["ours"]),
                speedup_min=min(per_rep), speedup_max=max(per_rep),
                peak_mib_ours=mem["ours"], peak_mib_peer=mem["peer"], memory_ratio=mem["ours"] / mem["peer"],
                persistent_mib_ours=res["ours"][0]["persistent_mib"], persistent_mib_peer=res["peer"][0]["persistent_mib"],
                peak_rss_mib_ours=rss["ours"], peak_rss_mib_peer=rss["peer"], rss_ratio=rss["ours"] / rss["peer"])

_UVIT_GOAL = ("speedup ≥ 1.25", lambda r: r["speedup"] >= 1.25)
_UNET_GOAL = ("speedup ≥ 5 and memory ≤ 1/3", lambda r: r["speedup"] >= 5 and r["memory_ratio"] <= 1 / 3)
GOALS = {"demo128": ("speedup ≥ 1", lambda r: r["speedup"] >= 1), "demo256": ("speedup ≥ 1", lambda r: r["speedup"] >= 1),
         "uvit64": _UVIT_GOAL, "uvit128": _UVIT_GOAL, "uvit64_adm": _UVIT_GOAL, "uvit128_adm": _UVIT_GOAL,
         "unet128": _UNET_GOAL, "unet128_same": _UNET_GOAL}

def table(rows: list[dict]) -> str:
    "Markdown table of pair results."
    out = ["| pair | params ours / peer (M) | images/s ours | images/s peer | ours/peer images/s (min–max) "
           "| peak tensor MiB ours | peak tensor MiB peer | memory ours/peer | RSS ours/peer | goal | met |",
           "|" + "---|" * 11]
    for r in rows:
        goal, ok = GOALS[r["pair"]]
        out.append(f"| {r['pair']} | {r['params_ours'] / 1e6:.2f} / {r['params_peer'] / 1e6:.2f} "
                   f"| {r['images_per_s_ours']:.2f} | {r['images_per_s_peer']:.2f} "
                   f"| **{r['speedup']:.2f}×** ({r['speedup_min']:.2f}–{r['speedup_max']:.2f}) "
                   f"| {r['peak_mib_ours']:.0f} | {r['peak_mib_peer']:.0f} | **{r['memory_ratio']:.2f}** "
                   f"| {r['rss_ratio']:.2f} | {goal} | {'yes' if ok(r) else 'no'} |")
    return "\n".join(out)

def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3, help="processes per contender (alternating)")
    ap.add_argument("--steps", type=int, default=2, help="timed steps per process")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                    help="cpu: process CPU seconds (robust on a shared machine with 1 thread); wall: elapsed seconds")
    ap.add_argument("--quick", action="store_true", help="batch 2, 2 reps, 1 timed step")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return ap

def main(argv=None) -> list[dict]:
    a = parser().parse_args(argv)
    if a.quick: a.batch, a.reps, a.steps = 2, 2, 1
    print(f"training step (fwd + bwd + AdamW), float32, batch {a.batch}, {a.threads} thread(s), {a.clock} time, "
          f"{a.reps} alternating processes per contender × {a.steps} timed steps after {a.warmup} warm-up", flush=True)
    rows = []
    for name in a.pairs:
        print(f"{name}: {PAIRS[name][2]}", flush=True)
        rows.append(bench_pair(name, a.batch, a.reps, a.steps, a.warmup, a.threads, a.clock,
                               log=lambda s: print(s, flush=True)))
    print(table(rows))
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f: json.dump(dict(args=vars(a), results=rows), f, indent=1)
    return rows

if __name__ == "__main__":
    a, _ = parser().parse_known_args()
    if a.child:
        c = json.loads(a.child)
        print(json.dumps(measure(c["spec"], c["size"], c["batch"], c["steps"], c["warmup"], c["threads"])))
    else:
        main()
