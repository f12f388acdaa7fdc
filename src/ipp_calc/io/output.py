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
import secrets
import shutil
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
    """CSV with a header row, ``\\n`` line ends, and formula-like text neutralised.

    Each row is written with a ``\\r\\n`` terminator that is then replaced by ``\\n``: the csv module
    quotes a field only for the characters of its terminator, and a bare CR inside a text (which
    every reader takes for a line break) would otherwise go out unquoted and split the row.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines: list[str] = []
    for row in (header, *([neutralise(v) for v in row] for row in rows)):
        writer.writerow(row)
        lines.append(buffer.getvalue()[:-2])
        buffer.seek(0)
        buffer.truncate()
    return "".join(f"{line}\n" for line in lines)


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
    """Write ``path`` through a temporary file in the same folder, fsync it, then ``os.replace`` it.

    The slow part (``write``) goes into a file that has no name (``O_TMPFILE``, or one unlinked as
    soon as it is made), so a failure *or a kill* leaves nothing behind. Only then does the content
    get a hidden name beside the target (a link, or a copy where the file system cannot link), is
    fsynced and replaces the target: the old file (or none) until that instant, the new one after.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(Finding("output-unwritable", "its folder does not exist", file=str(path)))
    try:
        stream, linkable = _unnamed_file(folder)
    except OSError as exc:
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(path))) from None
    try:
        with stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
            _publish(stream, linkable, path, folder)
    except OSError as exc:  # a full disk, a read-only folder: bad circumstances, not a bug
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(path))) from None


def _unnamed_file(folder: Path) -> tuple[BinaryIO, bool]:
    """A temporary file in ``folder`` with no name; True when it can be linked into the folder."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag:
        try:
            handle = os.open(folder, flag | os.O_RDWR, 0o600)
        except OSError:  # a file system without O_TMPFILE
            pass
        else:
            return os.fdopen(handle, "w+b"), True
    return tempfile.TemporaryFile(dir=folder), False


def _publish(stream: BinaryIO, linkable: bool, path: Path, folder: Path) -> None:
    """Give the written content a hidden name beside ``path``, fsynced, and replace ``path`` with it."""
    temp_name = str(folder / f".{path.name}.{secrets.token_hex(6)}.ipp-tmp")
    try:
        if not (linkable and _link(stream.fileno(), temp_name)):
            with open(temp_name, "xb") as copy:
                stream.seek(0)
                shutil.copyfileobj(stream, copy, 1024 * 1024)
                copy.flush()
                os.fsync(copy.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        _discard(temp_name)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable, where folders can be fsynced
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _link(handle: int, name: str) -> bool:
    """Link an ``O_TMPFILE`` file into its folder (Linux, through /proc); False where that is refused."""
    try:
        os.link(f"/proc/self/fd/{handle}", name, follow_symlinks=True)
    except (OSError, NotImplementedError):
        return False
    return True


def _discard(temp_name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp_name)


def write_text(path: Path, text: str) -> None:
    data = text.encode("utf-8")

    def write(stream: BinaryIO) -> None:
        stream.write(data)

    atomic_write(path, write)
