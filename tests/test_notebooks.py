"""Run every notebook in `nbs/` as one pytest test, through nbdev's own test machinery.

Cells flagged with one of `tst_flags` in settings.ini (`slow gpu multigpu`) are skipped unless named in
the environment variable `SD_TEST_FLAGS` (space-separated), e.g. `SD_TEST_FLAGS=slow pytest tests`.
"""
import os
from pathlib import Path

import pytest
import nbdev.test as nbtest  # imported as a module: importing `test_nb` by name makes pytest collect it
from nbdev.config import get_config

CFG = get_config()
NBS = Path(CFG.nbs_path)


def _notebooks():
    "Notebooks nbdev would test: skip names and folders starting with `_` or `.`."
    for p in sorted(NBS.rglob("*.ipynb")):
        rel = p.relative_to(NBS)
        if not any(part.startswith(("_", ".")) for part in rel.parts):
            yield p


@pytest.mark.parametrize("nb", list(_notebooks()), ids=lambda p: str(p.relative_to(NBS)))
def test_notebook(nb):
    skip = CFG.tst_flags.split()
    force = os.environ.get("SD_TEST_FLAGS", "").split()
    ok, secs = nbtest.test_nb(nb, skip_flags=skip, force_flags=force, basepath=CFG.config_path)
    assert ok, f"{nb.name} failed after {secs:.1f}s (the cell's traceback is in the captured stderr above)"
