"""The bench's floor worker: read every cell of a year's workbooks, and nothing else (or, with
``--write``, also write the report's cells into a minimal .xlsx and fsync it: the physical floor).

Why a file of its own: a floor is what no calculator can beat, so it must not pay for anything a
calculator would not: this script imports only the standard library and the reader it measures
(bench/run.py imports a lot more; as the floor worker it used to inflate the calamine floor by
about 33 ms). Run by bench/run.py as a fresh process per measurement:

    python bench/floor.py calamine DIR                 # read DIR/submissions/*.xlsx
    python bench/floor.py calamine DIR --write CELLS OUT.xlsx

``CELLS`` is a JSON file of the report's sheets (``[[title, [[value, ...], ...]], ...]``, made by
bench/run.py from a report ``ipp run`` wrote); the floor writes those values, numbers as numbers
and text as inline strings, with no styles, and fsyncs the file: what any tool that produces the
same report must at least do. It prints one JSON line: workbooks, cells, non-empty values,
in-process seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape


def read_openpyxl(paths: list[Path]) -> tuple[int, int]:
    import warnings

    from openpyxl import load_workbook

    cells = values = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    for row in sheet.iter_rows(values_only=True):
                        cells += len(row)
                        values += sum(1 for v in row if v is not None and v != "")
            finally:
                workbook.close()
    return cells, values


def read_calamine(paths: list[Path]) -> tuple[int, int]:
    from python_calamine import CalamineWorkbook

    cells = values = 0
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            for row in workbook.get_sheet_by_name(name).to_python():
                cells += len(row)
                values += sum(1 for v in row if v is not None and v != "")
    return cells, values


def _column(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(rows: list[list[object]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    ]
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{_column(c)}{r}"
            if isinstance(value, bool):
                out.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                out.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_minimal(sheets: list[list[object]], path: Path) -> None:
    """The smallest valid .xlsx of these sheets' values, fsynced."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
        for i in range(1, len(sheets) + 1)
    )
    with path.open("wb") as stream:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                f"{overrides}</Types>",
            )
            archive.writestr(
                "_rels/.rels",
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            )
            names = "".join(
                f'<sheet name="{escape(str(title))}" sheetId="{i}" r:id="rId{i}"/>'
                for i, (title, _) in enumerate(sheets, start=1)
            )
            archive.writestr(
                "xl/workbook.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
                f"<sheets>{names}</sheets></workbook>",
            )
            links = "".join(
                f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            archive.writestr(
                "xl/_rels/workbook.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">{links}</Relationships>',
            )
            for i, (_, rows) in enumerate(sheets, start=1):
                archive.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows))  # type: ignore[arg-type]
        stream.flush()
        os.fsync(stream.fileno())


def main(argv: list[str]) -> int:
    reader, folder = argv[0], Path(argv[1])
    paths = sorted((folder / "submissions").glob("*.xlsx"))
    # The reader's import counts in the whole-process figure, not in the in-process one.
    if reader == "openpyxl":
        import openpyxl  # noqa: F401
    else:
        import python_calamine  # noqa: F401
    start = time.perf_counter()
    cells, values = (read_openpyxl if reader == "openpyxl" else read_calamine)(paths)
    if len(argv) == 5 and argv[2] == "--write":
        write_minimal(json.loads(Path(argv[3]).read_text(encoding="utf-8")), Path(argv[4]))
    seconds = time.perf_counter() - start
    print(json.dumps({"workbooks": len(paths), "cells": cells, "values": values, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
