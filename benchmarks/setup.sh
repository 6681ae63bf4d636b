#!/usr/bin/env bash
# Install the benchmark peers beside the library without touching torch.
#   diffusers: pure Python, its dependencies do not include torch.
#   denoising-diffusion-pytorch: its metadata requires torchvision, pytorch-fid and accelerate (which would pull or
#   break torch); the benchmark only loads its simple_diffusion.py file, which needs torch, einops and tqdm. So it is
#   installed with --no-deps, and einops on its own.
set -euo pipefail
python -m pip install "diffusers>=0.30" "einops>=0.7" tqdm
python -m pip install --no-deps "denoising-diffusion-pytorch>=2.0"
python - <<'PY'
import importlib.util, torch, diffusers, einops
assert importlib.util.find_spec("denoising_diffusion_pytorch") is not None
print("peers installed; torch", torch.__version__, "diffusers", diffusers.__version__, "einops", einops.__version__)
PY
