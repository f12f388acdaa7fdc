"""What reading remembers between workbooks (issue 18) never outlives what it was computed from:
a path's display name follows the current folder, and a workbook's parts are parsed again when
their bytes differ."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ipp_calc.io.measures import display_path
from ipp_calc.io.xlsx_container import workbook_parts


def test_a_display_name_follows_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = tmp_path / "data" / "submissions"
    inner.mkdir(parents=True)
    book = inner / "alpha.xlsx"
    monkeypatch.chdir(tmp_path)
    assert display_path(book) == "data/submissions/alpha.xlsx"
    monkeypatch.chdir(tmp_path / "data")
    assert display_path(book) == "submissions/alpha.xlsx"  # not the name remembered from before
    monkeypatch.chdir(tmp_path.parent)
    assert display_path(book) == f"{tmp_path.name}/data/submissions/alpha.xlsx"


def _parts(sheet_names: list[str], recalc: bool) -> dict[str, bytes]:
    rels_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheets = "".join(
        f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheet_names, start=1)
    )
    calc = '<calcPr fullCalcOnLoad="1"/>' if recalc else ""
    book = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{rels_ns}"><sheets>{sheets}</sheets>{calc}</workbook>'
    )
    targets = "".join(
        f'<Relationship Id="rId{n}" Type="{rels_ns}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheet_names) + 1)
    )
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    return {
        "_rels/.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rels_ns}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": book.encode(),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}">{targets}</Relationships>'.encode(),
    }


def test_workbook_parts_are_parsed_again_when_the_bytes_differ() -> None:
    first = workbook_parts(_parts(["Cover", "Responses"], recalc=False))
    assert first.sheets == {"Cover": "xl/worksheets/sheet1.xml", "Responses": "xl/worksheets/sheet2.xml"}
    assert first.recalc is False
    again = workbook_parts(_parts(["Cover", "Responses"], recalc=False))
    assert again == first and again.sheets is not first.sheets  # each caller gets its own dict
    renamed = workbook_parts(_parts(["Cover", "Answers", "Responses"], recalc=True))
    assert list(renamed.sheets) == ["Cover", "Answers", "Responses"] and renamed.recalc is True
    assert renamed.sheets["Responses"] == "xl/worksheets/sheet3.xml"


def test_workbook_parts_read_from_an_open_archive_as_from_its_parts() -> None:
    parts = _parts(["Cover", "Responses"], recalc=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with zipfile.ZipFile(buffer) as archive:
        assert workbook_parts(archive) == workbook_parts(parts)
