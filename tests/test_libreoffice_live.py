"""LibreOffice itself writes the workbooks: the committed fixtures are still what it writes.

Why live: ``test_real_clients.py`` reads LibreOffice-written files committed under
``tests/fixtures/workbooks/`` (fast, and runs anywhere); this test makes them again with the
installed ``soffice --headless --convert-to xlsx`` and checks that ``ipp score`` reads the fresh
files exactly as the committed ones, with both readers. It needs LibreOffice and takes seconds, so
it runs when ``IPP_TEST_LIBREOFFICE=1`` (``.ci/run`` installs LibreOffice and sets it).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import RunCli

FIXTURES = Path(__file__).parent / "fixtures" / "workbooks"
sys.path.insert(0, str(FIXTURES))

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("IPP_TEST_LIBREOFFICE") != "1":
        pytest.skip("set IPP_TEST_LIBREOFFICE=1 to run LibreOffice live (.ci/run does)")
    if shutil.which("soffice") is None:
        pytest.fail("IPP_TEST_LIBREOFFICE=1 but soffice is not installed")
    import make  # tests/fixtures/workbooks/make.py

    folder = tmp_path_factory.mktemp("libreoffice")
    (folder / "out").mkdir()
    make.convert([make.source(folder, name) for name in make.FIXTURES], folder / "out", folder / "profile")
    return folder / "out"


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
@pytest.mark.parametrize("name", ["libreoffice-filled.xlsx", "libreoffice-errors.xlsx"])
def test_libreoffice_writes_what_the_committed_fixtures_hold(
    fresh: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, reader: str, name: str
) -> None:
    monkeypatch.setenv("IPP_READER", reader)
    outcomes = []
    for path in (FIXTURES / name, fresh / name):
        code, out, _ = run_cli(["score", path, "--format", "json"], cwd=path.parent)
        document = json.loads(out)
        if "error" in document:
            document["error"].pop("file", None)
            for more in document["error"].get("more", []):
                more.pop("file", None)
        else:
            document.pop("source", None)
            document.pop("file", None)
        outcomes.append((code, document))
    assert outcomes[0] == outcomes[1]
