"""The docs site and the live explorer, in a real headless Chromium (Debian's `chromium`, driven by Playwright).

- The offline docs (`tools/build_docs.py`, built into a temporary folder, must succeed) are served on 127.0.0.1: the
  landing page and the explorer page load with no console errors and no failed requests, and the explorer page shows
  rendered plotly figures.
- The explorer runs live under Voilà on 127.0.0.1: changing the shift base, then the resolution, changes the data of
  the plotted figure (read from the plotly graph div in the page).

Screenshots land in `tests/artifacts/` (git-ignored). Without chromium or playwright these tests skip locally and fail
under CI (`CI=true`): install with `apt-get install -y chromium` and `pip install playwright` (never `playwright install`).
"""
from __future__ import annotations
import os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _need(ok: bool, why: str):
    if ok: return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"): pytest.fail(f"{why} (required in CI)")
    pytest.skip(why)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    _need(path is not None, "Debian's chromium is not installed (apt-get install -y chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None: raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5): return
        except Exception: time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def _wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    "Wait until something listens on 127.0.0.1:`port` (no request: a GET on Voilà's page would start a kernel)."
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None: raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0: return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listened on port {port} within {timeout}s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try: proc.wait(10)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait()


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    try: from playwright.sync_api import sync_playwright
    except ImportError: _need(False, "playwright is not installed (pip install playwright)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _watch(page) -> list[str]:
    "Collect console errors, uncaught exceptions and failed requests of `page`."
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e} {getattr(e, 'stack', '')}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return problems


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory):
    "The site built by `tools/build_docs.py` (or, if `SD_DOCS_DIR` names a folder, the one already built there)."
    if os.environ.get("SD_DOCS_DIR"):
        out = Path(os.environ["SD_DOCS_DIR"]).resolve()
        assert (out / "index.html").exists(), f"SD_DOCS_DIR={out} holds no built site"
    else:
        out = tmp_path_factory.mktemp("site") / "_docs"
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "tools/build_docs.py", "--out", str(out)], cwd=ROOT, capture_output=True,
                           text=True, timeout=600)
        print(f"docs build: {time.perf_counter() - t0:.1f}s\n{r.stdout[-2000:]}")
        assert r.returncode == 0, f"tools/build_docs.py failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    port = _free_port()
    srv = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
                            str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{port}/index.html", srv, 30)
        yield f"http://127.0.0.1:{port}"
    finally: _stop(srv)


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = _watch(page)
    page.goto(url, wait_until="load")
    return page, problems


def test_docs_landing_page(browser, docs_site):
    page, problems = _open(browser, f"{docs_site}/index.html")
    page.wait_for_timeout(1500)  # let MathJax typeset
    assert page.locator("nav.sd-sidebar a[href$='40_explorer.html']").count() == 1, "no link to the explorer"
    page.screenshot(path=str(ARTIFACTS / "docs_index.png"), full_page=False)
    page.close()
    assert not problems, problems


def test_docs_explorer_page(browser, docs_site):
    page, problems = _open(browser, f"{docs_site}/40_explorer.html")
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    n_plots = page.locator(".js-plotly-plot").count()
    # the schedules figure: 12 traces, rendered as SVG paths by plotly.js
    n_traces = page.evaluate("document.querySelector('.js-plotly-plot').data.length")
    n_lines = page.locator(".js-plotly-plot").first.locator("g.trace.scatter").count()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "docs_explorer.png"), full_page=False)
    page.close()
    assert n_plots >= 4, n_plots  # schedules, Figure 3, multiscale, trajectory
    assert n_traces == 12 and n_lines == 12, (n_traces, n_lines)
    assert not problems, problems


@pytest.fixture(scope="module")
def voila_app(tmp_path_factory):
    try: import voila  # noqa: F401
    except ImportError: _need(False, "voila is not installed (pip install voila)")
    import nbformat
    d = tmp_path_factory.mktemp("app")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"display_name": "python3", "language": "python",
                                                           "name": "python3"}})
    nb.cells = [nbformat.v4.new_code_cell("from simple_diffusion.explorer import explorer\nexplorer()")]
    nbformat.write(nb, d / "app.ipynb")
    port = _free_port()
    cmd = [sys.executable, "-m", "voila", "app.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           "--token=",
           # lab extensions that happen to be installed beside the project (jupytext's) do not load in Voilà's page
           "--VoilaConfiguration.extension_denylist=['jupyterlab-jupytext']"]
    log = open(d / "voila.log", "w")
    srv = subprocess.Popen(cmd, cwd=d, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(port, srv, 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop(srv); log.close()
        print((d / "voila.log").read_text()[-3000:])


def _shifted_logsnr(page) -> list[float]:
    "log-SNR values of the shifted schedule (trace 4) in the first plotly figure on the page."
    return page.evaluate("Array.from(document.querySelector('.js-plotly-plot').data[4].y).slice(0, 50)")


_STATUS = "Array.from(document.querySelectorAll('.widget-label')).map(e => e.textContent).join(' | ')"


def _change(page, label: str, value: str, expect_name: str) -> list[float]:
    "Select `value` in the dropdown `label`; wait for the kernel's update and for trace 4 to be `expect_name`."
    status0 = page.evaluate(_STATUS)
    page.locator(".widget-dropdown", has_text=label).locator("select").select_option(label=value)
    try:
        page.wait_for_function(f"({_STATUS}) != {status0!r}", timeout=90_000)  # the kernel ran the update
        page.wait_for_function(f"document.querySelector('.js-plotly-plot').data[4].name == {expect_name!r}",
                               timeout=30_000)                               # ...and the figure received it
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "voila_explorer_failure.png"), full_page=True)
        state = page.evaluate(f"[{_STATUS}, document.querySelector('.js-plotly-plot').data[4].name]")
        raise AssertionError(f"after {label}={value}: status/trace name = {state}, expected trace {expect_name!r}; "
                             f"page problems: {getattr(page, 'problems', [])}")
    return _shifted_logsnr(page)


def test_explorer_live_in_voila(browser, voila_app):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    problems = page.problems = _watch(page)
    page.goto(voila_app, wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    page.wait_for_function("document.querySelector('.js-plotly-plot').data.length == 12", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)  # Voilà has finished executing and wiring the widgets
    before = _shifted_logsnr(page)
    name0 = page.evaluate("document.querySelector('.js-plotly-plot').data[4].name")
    after_base = _change(page, "shift base b", "32", "shifted 32→512")
    after_size = _change(page, "image size d", "128", "shifted 32→128")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "voila_explorer.png"), full_page=True)
    page.close()

    assert name0 == "shifted 64→512"
    # shift 2·log(base/d): 64→512 gives −4.159; 32→512 lowers it by 2·log 2; 32→128 raises it by 2·log 4
    import math
    for a, b in zip(before, after_base): assert abs((b - a) - 2 * math.log(32 / 64)) < 1e-6
    for a, b in zip(after_base, after_size): assert abs((b - a) - 2 * math.log(512 / 128)) < 1e-6
    # Voilà's own page template asks a public CDN for its icon font (fontawesome); on this offline machine that request
    # fails, and Chromium logs it. Those two kinds of message are Voilà's, not the explorer's: everything else counts.
    print("browser problems on the Voilà page:\n" + "\n".join(problems))
    offline = [p for p in problems if p.startswith("request failed: https://cdn.jsdelivr.net/")
               or p == "console error: Failed to load resource: net::ERR_NAME_NOT_RESOLVED"]
    real = [p for p in problems if p not in offline]
    assert not real, real
