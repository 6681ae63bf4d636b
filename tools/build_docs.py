#!/usr/bin/env python
"""Offline build of the documentation site into `_docs/` (no Quarto needed).

    python tools/build_docs.py            # process every notebook into _proc/, render every page into _docs/

The pages are the notebooks in `nbs/`: nbdev's own processors (`FilterDefaults`, the same step `nbdev_docs` runs
before Quarto: directives, `show_doc`, exported cells executed for the API docs) write `_proc/`, and nbconvert's
JupyterLab HTML exporter renders each processed notebook with a small template (`tools/docs_template/`) that adds the
site navigation from `nbs/sidebar.yml`. Plotly figures are rendered by plotly's own `to_html` against a local copy of
plotly.js, and MathJax 3 is copied from the `django-static-mathjax` wheel, so the site needs no network. Notebooks
not listed in `sidebar.yml` still get a page (under "More") and a warning. A notebook that fails processing is
reported (all of them, not just the first) and the build exits non-zero.
"""
from __future__ import annotations
import argparse, fnmatch, json, re, shutil, sys, time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "docs_template"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

SITE_CSS = """
body.sd-page { display: flex; margin: 0; }
.sd-sidebar { flex: 0 0 15rem; padding: 1rem; border-right: 1px solid #ddd; height: 100vh; position: sticky; top: 0;
  overflow-y: auto; font-family: system-ui, sans-serif; font-size: 0.9rem; box-sizing: border-box; }
.sd-sidebar ul { list-style: none; padding-left: 0.5rem; margin: 0.2rem 0 0.8rem; }
.sd-sidebar li { margin: 0.25rem 0; }
.sd-sidebar a { text-decoration: none; color: #1f4e9c; }
.sd-sidebar .sd-current a { font-weight: bold; color: #000; }
.sd-title { display: block; font-weight: bold; font-size: 1.1rem; margin-bottom: 1rem; }
.sd-section { text-transform: uppercase; font-size: 0.75rem; color: #666; letter-spacing: 0.05em; }
.sd-main { flex: 1 1 auto; min-width: 0; max-width: 70rem; padding: 1rem 2rem; }
.sd-description { font-size: 1.1rem; color: #444; }
"""


def notebooks(nbs: Path) -> list[Path]:
    "Notebooks nbdev documents: everything under `nbs` except names and folders starting with `_` or `.`."
    return sorted(p.relative_to(nbs) for p in nbs.rglob("*.ipynb")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs).parts))


def _expand(entry, nbs: Path, pages: list[Path]) -> list[Path]:
    "Files named by one sidebar entry: a path, or Quarto's `{auto: glob}`."
    if isinstance(entry, str): pats = [entry]
    elif isinstance(entry, dict) and "auto" in entry:
        pats = entry["auto"] if isinstance(entry["auto"], list) else [entry["auto"]]
    elif isinstance(entry, dict) and "href" in entry: pats = [entry["href"]]
    else: raise ValueError(f"sidebar.yml: cannot read entry {entry!r} (expected a path, auto: glob, href:, or section:)")
    out = []
    for pat in pats:
        hits = [p for p in pages if fnmatch.fnmatch(p.as_posix(), pat)]
        if not hits and not any(c in pat for c in "*?["):
            print(f"warning: sidebar.yml lists {pat}, which is not in {nbs}", file=sys.stderr)
        out += [h for h in hits if h not in out]
    return out


def site_sections(nbs: Path) -> list[dict]:
    "Sections `[{title, files}]` from `nbs/sidebar.yml` (Quarto's format); unlisted notebooks go to a last 'More'."
    pages = notebooks(nbs)
    side = yaml.safe_load((nbs / "sidebar.yml").read_text())["website"]["sidebar"]
    contents = side.get("contents", []) if isinstance(side, dict) else side[0].get("contents", [])
    sections, top, seen = [], [], set()
    for entry in contents:
        if isinstance(entry, dict) and "section" in entry:
            files = [f for e in entry.get("contents") or [] for f in _expand(e, nbs, pages) if f not in seen]
            seen.update(files)
            sections.append({"title": entry["section"], "files": files})
        else:
            files = [f for f in _expand(entry, nbs, pages) if f not in seen]
            seen.update(files); top += files
    rest = [p for p in pages if p not in seen]
    for p in rest: print(f"warning: {p} is not in nbs/sidebar.yml; listed under 'More'", file=sys.stderr)
    out = ([{"title": "", "files": top}] if top else []) + sections + ([{"title": "More", "files": rest}] if rest else [])
    return [s for s in out if s["files"]]


def frontmatter(nb) -> dict:
    "The YAML front matter nbdev's processors put in the first raw cell (title, description, ...)."
    for c in nb.cells:
        if c.cell_type == "raw" and c.source.lstrip().startswith("---"):
            body = c.source.strip().strip("-")
            try: return yaml.safe_load(body) or {}
            except yaml.YAMLError: return {}
    return {}


def plotly_outputs(nb) -> int:
    "Render plotly's mime bundles with plotly's own `to_html` (no inline plotly.js); drop plotly.js loader outputs."
    import plotly.io as pio
    n = 0
    for c in nb.cells:
        if c.cell_type != "code": continue
        keep = []
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if PLOTLY_MIME in data:
                fig = data[PLOTLY_MIME]
                fig = json.loads(fig) if isinstance(fig, str) else fig
                for tr in fig.get("data", []) + fig.get("layout", {}).get("images", []):
                    # notebook writers split any "source" key into a list of lines, as if it were cell source
                    if isinstance(tr.get("source"), list): tr["source"] = "".join(tr["source"])
                html = pio.to_html(fig, include_plotlyjs=False, include_mathjax=False, full_html=False,
                                   validate=False, config={"responsive": True})
                o["data"] = {"text/html": html}
                o["metadata"] = {}
                n += 1
            elif set(data) == {"text/html"} and "window.PlotlyConfig" in "".join(data["text/html"]):
                continue  # the notebook renderer's one-off <script> with all of plotly.js: the page loads it itself
            keep.append(o)
        c["outputs"] = keep
    return n


def quarto_directives(nb):
    "Do what Quarto does with the cell options nbdev leaves: `echo: false` hides the source; `#|` lines are not shown."
    for c in nb.cells:
        if c.cell_type != "code": continue
        lines = c.source.splitlines()
        opts = [l for l in lines if l.startswith("#|")]
        if any(re.match(r"#\|\s*echo:\s*false", l) for l in opts): c.metadata.setdefault("transient", {})["remove_source"] = True
        c.source = "\n".join(l for l in lines if not l.startswith("#|"))
        for o in c.get("outputs", []):  # show_doc's Quarto link attributes mean nothing to a plain markdown renderer
            md = o.get("data", {}).get("text/markdown")
            if md: o["data"]["text/markdown"] = re.sub(r"\{target=\"_blank\"[^}]*\}", "", "".join(md))


def fix_links(nb):
    "Links between notebooks point at the rendered pages."
    for c in nb.cells:
        if c.cell_type == "markdown":
            c.source = re.sub(r"\]\(([^)\s:]+?)\.ipynb(#[^)]*)?\)", lambda m: f"]({m[1]}.html{m[2] or ''})", c.source)


def render(proc: Path, out: Path, sections: list[dict], title: str) -> list[Path]:
    "Render every page of `sections` from the processed notebooks in `proc` into `out`."
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATES)], template_name="simple_diffusion",
                            exclude_input_prompt=True, exclude_output_prompt=True)
    pages = []
    titles = {}
    nbs_read = {}
    for s in sections:
        for f in s["files"]:
            nb = nbformat.read(proc / f, as_version=4)
            nbs_read[f] = nb
            fm = frontmatter(nb)
            titles[f] = fm.get("title") or f.stem
    nav = [{"title": s["title"], "pages": [{"href": f.with_suffix(".html").as_posix(), "title": titles[f]}
                                            for f in s["files"]]} for s in sections]
    for f, nb in nbs_read.items():
        fm = frontmatter(nb)
        nb.cells = [c for c in nb.cells if not (c.cell_type == "raw" and c.source.lstrip().startswith("---"))]
        nb.metadata.pop("widgets", None)  # no kernel on a static page: widget state would only pull in a CDN loader
        plotly_outputs(nb)
        quarto_directives(nb)
        fix_links(nb)
        href = f.with_suffix(".html").as_posix()
        root = "../" * (len(f.parts) - 1)
        site = {"title": title, "sections": nav, "current": href, "root": root, "plotly_js": "plotly.min.js",
                "mathjax_url": "mathjax/tex-svg.js",
                "page_title": fm.get("title"), "description": fm.get("description")}
        body, _ = exporter.from_notebook_node(nb, resources={"site": site, "metadata": {"name": titles[f]}})
        dst = out / href
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(body, encoding="utf-8")
        pages.append(dst)
    return pages


def copy_assets(out: Path):
    "plotly.js from plotly's package, MathJax 3 from the django-static-mathjax wheel, and the site's stylesheet."
    import plotly, mathjax
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", out / "plotly.min.js")
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"  # MathJax 3, from django-static-mathjax
    (out / "mathjax").mkdir(exist_ok=True)
    shutil.copy2(es5 / "tex-svg.js", out / "mathjax" / "tex-svg.js")
    shutil.copytree(es5 / "input" / "tex" / "extensions", out / "mathjax" / "input" / "tex" / "extensions",
                    dirs_exist_ok=True)  # loaded on demand by tex-svg's autoload
    (out / "site.css").write_text(SITE_CSS)


def process(nbs: Path, cache: Path) -> tuple[Path, dict[Path, str]]:
    "Run nbdev's docs processors on every notebook (as `nbdev_proc_nbs` does) into `cache`; collect errors per notebook."
    from nbdev.processors import FilterDefaults
    from nbdev.serve_drv import main as proc_one
    if cache.exists(): shutil.rmtree(cache)
    errors = {}
    for src in sorted(nbs.rglob("*")):
        rel = src.relative_to(nbs)
        if not src.is_file() or any(p.startswith(".") or p in ("_proc", "_docs") for p in rel.parts): continue
        dst = cache / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix != ".ipynb": shutil.copy2(src, dst); continue
        if any(p.startswith("_") for p in rel.parts): continue
        t = time.perf_counter()
        try: proc_one((src, dst, FilterDefaults))
        except Exception as e:  # report every failing notebook, not just the first
            cause = e.__cause__ or e
            errors[rel] = f"{e}\n  caused by {type(cause).__name__}: {cause}"
            continue
        print(f"processed {rel} in {time.perf_counter() - t:.1f}s")
    return cache, errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="output folder (default: doc_path from settings.ini, i.e. _docs)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    nbs, out = Path(cfg.nbs_path), Path(args.out) if args.out else Path(cfg.doc_path)
    sections = site_sections(nbs)
    proc, errors = process(nbs, Path(cfg.config_path) / "_proc")
    sections = [{**s, "files": [f for f in s["files"] if f not in errors]} for s in sections]
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_assets(out)
    pages = render(proc, out, [s for s in sections if s["files"]], cfg.title)
    if not (out / "index.html").exists(): errors.setdefault(Path("index.ipynb"), "no index.html was built")
    print(f"built {len(pages)} pages into {out} in {time.perf_counter() - t0:.1f}s")
    for f, e in errors.items(): print(f"ERROR {f}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
