"""`data.make_loader` + `data.infinite` in a real two-process gloo group (CPU).

Each rank reads two epochs of a 50-item dataset whose items are their own indices. Checked: the loader picked a
`DistributedSampler` by itself; within an epoch the ranks' items are disjoint and each rank gets ⌊50/2⌋ = 25 → 6
full batches of 4; `infinite` reshuffles between epochs (the orders differ), and each rank's stream is exactly what a
`DistributedSampler(num_replicas=2, rank, seed=3)` built in the parent gives after `set_epoch(e)`.
"""
import json
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DistributedSampler

from simple_diffusion.data import make_loader, infinite


def _rank_main(rank: int, world: int, tmp: str):
    dist.init_process_group("gloo", init_method=f"file://{tmp}/pg", rank=rank, world_size=world)
    try:
        loader = make_loader(list(range(50)), 4, seed=3)
        assert isinstance(loader.sampler, DistributedSampler)
        stream = infinite(loader)
        epochs = [[i for _ in range(len(loader)) for i in next(stream).tolist()] for _ in range(2)]
        Path(tmp, f"rank{rank}.json").write_text(json.dumps(epochs))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _run(world=2):
    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_rank_main, args=(world, tmp), nprocs=world, join=True)
        return [json.loads(Path(tmp, f"rank{r}.json").read_text()) for r in range(world)]


def test_distributed_loader_shards_and_reshuffles():
    r0, r1 = _run()
    for e in range(2):
        assert len(r0[e]) == len(r1[e]) == 24                      # 25 per rank, 6 full batches of 4
        assert not set(r0[e]) & set(r1[e])                         # disjoint shards
        assert len(set(r0[e]) | set(r1[e])) == 48
    assert r0[0] != r0[1] and r1[0] != r1[1]                       # set_epoch reshuffled
    for r, got in enumerate((r0, r1)):
        for e in range(2):
            ref = DistributedSampler(list(range(50)), num_replicas=2, rank=r, shuffle=True, seed=3, drop_last=True)
            ref.set_epoch(e)
            assert got[e] == list(ref)[:24]
