"""Which caption words does a text run's network use? Mean |Δx̂| between prompts that differ in one attribute.

    python benchmarks/text_word_sensitivity.py runs/text_demo >> benchmarks/results/text_demo/word_sensitivity.txt

The x-prediction of the EMA network at log-SNR −6 and −2 (where the layout is decided), averaged over 16 noise draws,
for a reference prompt and the same prompt with only its position, colour or shape words changed: a network that
ignores a kind of word gives ≈ 0 for it.
"""
import sys, torch
from simple_diffusion.run import Run
from simple_diffusion.forward import to_x_eps
torch.set_num_threads(1)
run = Run(sys.argv[1]); m = run.model
z = torch.randn(16, 3, 32, 32, generator=torch.Generator().manual_seed(0))
for lam in (-6.0, -2.0):
    outs = {}
    for key, cap in (("tl", "a large red circle at the top left on a light grey background"),
                     ("br", "a large red circle at the bottom right on a light grey background"),
                     ("blue", "a large blue circle at the top left on a light grey background"),
                     ("sq", "a large red square at the top left on a light grey background")):
        inp = run.text([cap] * 16)
        with torch.no_grad(): v = m(z, torch.full((16,), lam), **inp)
        outs[key] = to_x_eps(v, z, torch.full((16,), lam), "v")[0].mean(0)
    d = lambda a, b: round((outs[a] - outs[b]).abs().mean().item(), 4)
    print(sys.argv[1], lam, "position words", d("tl", "br"), "colour words", d("tl", "blue"), "shape words", d("tl", "sq"))
