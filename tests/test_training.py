"""Out-of-notebook tests of the training job: papermill end to end, DDP equivalence, kill -9 resume, atomic
checkpoints, and the errors for bad data and unknown config keys.

Every run here is a few steps of the `smoke` preset (a tiny U-Net on 16-pixel shapes), in subprocesses pinned to one
thread each so that their floating-point reductions happen in the same order.
"""
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from simple_diffusion.checkpoint import latest_checkpoint, list_checkpoints, load_checkpoint, save_checkpoint
from simple_diffusion.config import build_model, make_config
from simple_diffusion.report import read_metrics
from simple_diffusion.train import train

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
# a short, deterministic run: no dropout, so 1 and 2 processes compute the same thing
SMALL = dict(progress=False, eval_n=0, log_every=1, sample_n=4, sample_steps=2)


def _python(code: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=ENV, cwd=ROOT, **kw)


def _train_in_subprocess(overrides: dict) -> subprocess.Popen:
    code = f"""
        import torch; torch.set_num_threads(1)
        from simple_diffusion.config import make_config
        from simple_diffusion.train import train
        train(make_config("smoke", **{overrides!r}))
    """
    return _python(code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _n_logged(out_dir) -> int:
    "Complete lines in metrics.jsonl (it may be mid-write)."
    p = Path(out_dir) / "metrics.jsonl"
    return p.read_bytes().count(b"\n") if p.exists() else 0


def _losses(out_dir) -> list[tuple[int, float]]:
    return [(r["step"], r["loss"]) for r in read_metrics(out_dir)]


def test_smoke_run_through_papermill(tmp_path):
    "The job notebook with its default parameters (the smoke preset) runs through papermill and leaves a full run."
    out = tmp_path / "run"
    nb = _papermill(tmp_path / "report.ipynb", out_dir=str(out))
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
    summary = json.loads((out / "summary.json").read_text())
    cfg = make_config("smoke")
    assert summary["steps"] == cfg.steps and summary["images_seen"] == cfg.steps * cfg.batch_size
    assert [r["step"] for r in read_metrics(out)][-1] == cfg.steps
    assert latest_checkpoint(out / "ckpt").name == f"step_{cfg.steps:07d}"
    assert Path(summary["sample_grid"]).is_file()
    assert f"step {cfg.steps}/{cfg.steps}" in json.dumps(nb)  # the printed progress lines are in the report


def test_upsampler_with_learned_sigma_through_papermill(tmp_path):
    "An upsampler that learns Σ trains through the same job (pairs made by area-downsampling) and is scored on held-out shapes."
    out = tmp_path / "sr"
    _papermill(tmp_path / "report.ipynb", out_dir=str(out),
               overrides=dict(model="tiny_unet_sr", class_conditional=True, guidance_scale=2.0, model_kw={"learn_sigma": True},
                              prediction="eps", sampler="ddpm"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["validity"] is not None and Path(summary["sample_grid"]).is_file()
    from simple_diffusion.run import Run
    run = Run(out)
    assert run.low_res_factor == 4 and run.model.learns_sigma
    assert run.generate(2, steps=2).shape == (2, 3, 16, 16)


def _papermill(report, **parameters):
    pm = pytest.importorskip("papermill")
    pm.execute_notebook(str(ROOT / "nbs" / "train.ipynb"), str(report), parameters=parameters, cwd=str(ROOT / "nbs"),
                        progress_bar=False, kernel_name="python3")
    return json.loads(Path(report).read_text())


def test_ddp_two_processes_match_one(tmp_path):
    "The job notebook with nproc_per_node=2 (torchrun, 2 gloo ranks, half the batch each) = 1 process, whole batch."
    # adam_eps=1: Adam's update m/(sqrt(v)+eps) is then ~linear in the gradient, so round-off in the all-reduce stays
    # round-off. With eps=1e-8 the first steps are ~lr*sign(g), and a gradient entry that is ~0 flips between runs.
    cfg = dict(SMALL, steps=4, batch_size=16, ckpt_every=4, model_kw={"dropout": 0.0}, adam_eps=1.0, lr=0.05)
    one, two = tmp_path / "one", tmp_path / "two"
    p = _train_in_subprocess(dict(cfg, out_dir=str(one)))
    nb = _papermill(tmp_path / "report.ipynb", preset="smoke", overrides=cfg, out_dir=str(two), nproc_per_node=2)
    assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    assert json.loads((two / "summary.json").read_text())["world_size"] == 2
    assert "step 4/4" in json.dumps(nb)  # rank 0's progress was streamed into the report
    (s1, l1), (s2, l2) = zip(*_losses(one)), zip(*_losses(two))
    assert s1 == s2 == tuple(range(1, 5))
    assert torch.allclose(torch.tensor(l1), torch.tensor(l2), rtol=1e-5, atol=0)
    w1, w2 = load_checkpoint(one)["model"], load_checkpoint(two)["model"]
    assert w1.keys() == w2.keys()
    torch.manual_seed(0)
    init = build_model(make_config("smoke", **cfg)).state_dict()
    moved = max((w1[k] - init[k]).abs().max().item() for k in w1)
    assert moved > 1e-3  # training moved the weights far beyond the tolerance below
    for k in w1: assert torch.allclose(w1[k], w2[k], rtol=1e-5, atol=1e-6), k


def test_kill9_then_resume_gives_the_same_losses(tmp_path):
    "A run killed with SIGKILL at a random moment resumes from its last checkpoint and logs the same losses."
    cfg = dict(SMALL, steps=16, ckpt_every=4, model_kw={"dropout": 0.1})  # dropout: the saved RNG state matters
    ref = _train_in_subprocess(dict(cfg, out_dir=str(tmp_path / "ref")))
    assert ref.wait(timeout=200) == 0, ref.stderr.read().decode()
    out = tmp_path / "killed"
    p = _train_in_subprocess(dict(cfg, out_dir=str(out)))
    kill_after = random.Random().randint(5, 12)  # a random step past the first checkpoint, logged or not
    while p.poll() is None and _n_logged(out) < kill_after:
        time.sleep(0.01)
    time.sleep(random.random() * 0.2)  # and a random moment within the step (possibly mid-checkpoint)
    p.send_signal(signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    resumed_from = latest_checkpoint(out / "ckpt")
    assert resumed_from is not None
    q = _train_in_subprocess(dict(cfg, out_dir=str(out)))
    assert q.wait(timeout=200) == 0, q.stderr.read().decode()
    assert _losses(out) == _losses(tmp_path / "ref")  # bit-identical on CPU
    a, b = load_checkpoint(out)["model"], load_checkpoint(tmp_path / "ref")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoint_killed_mid_write_leaves_previous_loadable(tmp_path):
    "kill -9 while a checkpoint is being written: the previous one stays the latest and loads."
    marker = tmp_path / "writing"
    code = f"""
        import time, torch
        from pathlib import Path
        from simple_diffusion import checkpoint
        net = torch.nn.Linear(4, 4)
        checkpoint.save_checkpoint({str(tmp_path)!r}, 1, net.state_dict(), optimizer={{"a": torch.ones(3)}})
        real_save = torch.save
        def slow_save(obj, f):
            real_save(obj, f)
            Path({str(marker)!r}).touch(); time.sleep(60)  # killed here: model and optimizer written, state.json not
        checkpoint.torch.save = slow_save
        checkpoint.save_checkpoint({str(tmp_path)!r}, 2, net.state_dict(), optimizer={{"a": torch.zeros(3)}})
    """
    p = _python(code)
    t0 = time.time()
    while not marker.exists():
        assert p.poll() is None and time.time() - t0 < 60, "writer died before the marker"
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL); p.wait()
    assert [c.name for c in list_checkpoints(tmp_path)] == ["step_0000001"]
    assert any(c.name.startswith(".tmp-step_0000002") for c in tmp_path.iterdir())  # the half-written one
    ck = load_checkpoint(tmp_path)
    assert ck["state"]["step"] == 1 and torch.equal(ck["optimizer"]["a"], torch.ones(3))
    save_checkpoint(tmp_path, 2, torch.nn.Linear(4, 4).state_dict())  # the next save works and supersedes it
    assert latest_checkpoint(tmp_path).name == "step_0000002"


def test_bad_inputs_give_clear_errors(tmp_path):
    "Empty folder, corrupt images, unlabelled data for a class-conditional run, unknown preset or config key."
    empty = tmp_path / "empty"; empty.mkdir()
    with pytest.raises(ValueError, match="no images under"):
        train(make_config("smoke", data=str(empty), out_dir=str(tmp_path / "r1")))
    corrupt = tmp_path / "corrupt"; corrupt.mkdir()
    (corrupt / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match="no readable image under .* failed to decode"):
        train(make_config("smoke", data=str(corrupt), out_dir=str(tmp_path / "r2")))
    from PIL import Image
    for i in range(16): Image.new("RGB", (20, 20), (10 * i, 0, 0)).save(corrupt / f"ok{i}.png")
    with pytest.raises(ValueError, match="class_conditional=True needs labelled data"):
        with pytest.warns(UserWarning, match="broken.png"):  # one bad file among good ones: skipped, named
            train(make_config("smoke", data=str(corrupt), class_conditional=True, out_dir=str(tmp_path / "r3")))
    with pytest.raises(ValueError, match="valid keys: model, model_kw"):
        make_config("smoke", learnig_rate=1e-3)
    with pytest.raises(ValueError, match="valid presets: smoke, demo"):
        make_config("tiny")
    r = subprocess.run([sys.executable, "-m", "simple_diffusion.cli", "train", "--set", "learnig_rate=1"],
                       capture_output=True, text=True, env=ENV, cwd=tmp_path)
    assert r.returncode == 2 and "error: unknown config key(s) learnig_rate; valid keys:" in r.stderr
