"""Writing results: JSON and CSV text, and atomic files that are never half-written.

Why atomic: analysts overwrite last week's report with this week's; a crash, a full disk or a
kill in the middle must leave last week's file (or none), never a truncated one. So every output
goes to a temporary file in the same folder, is flushed and fsynced, then ``os.replace``d.

Why neutralise: a CSV or workbook cell that starts with ``=``, ``+``, ``-``, ``@``, tab, CR or LF
is run as a formula by spreadsheet programs (CSV injection); text from MCPs' workbooks ends up in
our reports, so such text gets a leading ``'`` as OWASP recommends. Numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ipp_calc.errors import Finding, InputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def json_text(document: Any) -> str:
    """The JSON of a result: key order as built, two-space indent, UTF-8, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with a header row, ``\\n`` line ends, and formula-like text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def check_output_path(output: Path, inputs: Iterable[Path]) -> None:
    """Refuse ``-o`` pointing at a file the command reads: it would destroy an input."""
    try:
        target = output.resolve()
    except OSError:
        return
    for path in inputs:
        try:
            if path.exists() and path.resolve() == target:
                raise InputError(
                    Finding("output-is-input", "-o names an input file; choose another output file", file=str(output))
                )
        except OSError:
            continue
    if output.is_dir():
        raise InputError(Finding("output-unwritable", "is a folder; -o needs a file name", file=str(output)))


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` through a same-folder temporary file, fsync it, then ``os.replace`` it.

    On any failure (or a kill) the old file is untouched and the temporary file is removed
    (a kill cannot run cleanup, but leaves only a hidden ``.ipp-*.tmp`` beside the target).
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(Finding("output-unwritable", "its folder does not exist", file=str(path)))
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".ipp-tmp", dir=folder)
    except OSError as exc:
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(path))) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except OSError as exc:  # a full disk, a read-only folder: bad circumstances, not a bug
        _discard(temp_name)
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(path))) from None
    except BaseException:
        _discard(temp_name)
        raise


def _discard(temp_name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp_name)


def write_text(path: Path, text: str) -> None:
    data = text.encode("utf-8")

    def write(stream: BinaryIO) -> None:
        stream.write(data)

    atomic_write(path, write)
