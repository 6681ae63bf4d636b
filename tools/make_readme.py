#!/usr/bin/env python
"""Generate README.md from nbs/index.ipynb without Quarto (which cannot be installed on our machines).

nbdev's own cell processors handle the directives (`#| hide`, `#| hide_line`, `#| export`, magics, `#| filter_stream`);
nbconvert's Markdown exporter writes the result. `--check` exits 1 when README.md is out of date.

    python tools/make_readme.py          # write README.md
    python tools/make_readme.py --check  # CI: fail if README.md differs from what index.ipynb gives
"""
import argparse
import json
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter
from nbdev.config import get_config
from nbdev.process import NBProcessor
from nbdev.processors import clean_magics, filter_stream_, hide_, hide_line, rm_export, rm_header_dash
from execnb.nbio import nb2dict

ROOT = Path(__file__).resolve().parent.parent


def render(nb_path: Path) -> str:
    "Markdown for `nb_path` after nbdev's directive processing."
    proc = NBProcessor(nb_path, procs=[hide_, hide_line, rm_export, clean_magics, filter_stream_, rm_header_dash])
    proc.process()
    nb = nbformat.reads(json.dumps(nb2dict(proc.nb)), as_version=4)  # the reader re-joins multi-line strings
    for cell in nb.cells:  # directives are consumed: drop their comment lines from what is shown
        cell.source = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith("#|"))
    nb.metadata["language_info"] = {"name": "python"}  # fenced code blocks say ```python
    nb.cells = [c for c in nb.cells if c.source.strip() or c.get("outputs")]
    body, _ = MarkdownExporter(exclude_raw=True).from_notebook_node(nb)
    header = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n"
    return header + body.strip() + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if README.md is out of date")
    args = ap.parse_args(argv)
    cfg = get_config()
    text = render(Path(cfg.nbs_path) / cfg.get("readme_nb", "index.ipynb"))
    readme = ROOT / "README.md"
    if args.check:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            print("README.md is out of date: run `python tools/make_readme.py` and commit it.", file=sys.stderr)
            return 1
        print("README.md is up to date.")
        return 0
    readme.write_text(text, encoding="utf-8")
    print(f"wrote {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
