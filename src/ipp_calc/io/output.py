"""Writing results: JSON and CSV text, and outputs that are never half-written nor misplaced.

Why atomic: analysts overwrite last week's report with this week's; a crash, a full disk or a
kill in the middle must leave last week's file (or none), never a truncated one. So every output
to a regular file goes to a temporary file in the same folder, is flushed and fsynced, then
``os.replace``d. Why not always: a rename over ``/dev/null`` or a named pipe (as root, in CI and
containers) swaps the machine's device for a file, and one over a symlink breaks the link; those
are written in place (see :func:`atomic_write`), ``-o -`` is standard output.

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
import stat
import sys
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


def check_output_path(output: Path, inputs: Iterable[Path], *, data: Path | None = None) -> None:
    """Refuse ``-o`` pointing at a file the command reads (it would destroy an input), at a folder,
    or inside the data folder's ``submissions/`` (every later run of the year would read it)."""
    if is_stdout(output):
        return
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
    if _in_submissions(target, data):
        raise InputError(
            Finding(
                "output-in-submissions",
                "is inside a data folder's submissions/, which every later run of the year reads; "
                "write it somewhere else",
                file=str(output),
            )
        )
    if output.is_dir():
        raise InputError(Finding("output-unwritable", "is a folder; -o needs a file name", file=str(output)))


def _in_submissions(target: Path, data: Path | None) -> bool:
    """Whether ``target`` lies in ``data``'s ``submissions/``, or in any ``submissions/`` folder
    beside a ``plans.csv`` (a data folder, even when this command was not given it)."""
    with contextlib.suppress(OSError):
        if data is not None:
            submissions = (data / "submissions").resolve()
            if target == submissions or submissions in target.parents:
                return True
        for folder in target.parents:
            if folder.name == "submissions" and (folder.parent / "plans.csv").is_file():
                return True
    return False


def refuse_existing(output: Path) -> None:
    """Refuse to replace an existing regular file (or a link to one): for ``ipp template``, whose
    ``-o`` may well name last month's filled workbook. Devices, FIFOs and ``-`` hold no file."""
    if is_stdout(output):
        return
    with contextlib.suppress(OSError):
        if output.is_file():
            raise InputError(
                Finding(
                    "output-exists", "exists (perhaps a filled workbook); add --force to replace it", file=str(output)
                )
            )


def is_stdout(output: Path | str) -> bool:
    """``-o -`` means standard output, as for every Unix tool (never a file named ``-``)."""
    return str(output) == "-"


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` so that it is never half-written and never replaced by the wrong kind of file.

    What ``path`` names decides how:

    * nothing yet, or a regular file: written to a temporary file in the same folder, fsynced, then
      ``os.replace``d, so a failure or a kill leaves the old file (or none);
    * a symlink: the same, at the file it points to; the link stays a link;
    * a device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe): written in place, after the
      whole content has been made in a temporary file, because replacing ``/dev/null`` with a file
      (which root may do) breaks the machine;
    * ``-``: standard output;
    * anything else (a folder, a socket): refused.

    The slow part (``write``) goes into a file that has no name (``O_TMPFILE``, or one unlinked as
    soon as it is made), so a failure *or a kill* leaves nothing behind. Only then does the content
    get a hidden name beside the target (a link, or a copy where the file system cannot link), is
    fsynced and replaces the target: the old file (or none) until that instant, the new one after.
    """
    if is_stdout(path):
        _write_in_place(None, write, path)
        return
    real = _resolved(path)
    kind = _kind(real)
    if kind == "special":
        _write_in_place(real, write, path)
        return
    if kind == "other":
        raise InputError(
            Finding(
                "output-unwritable", "is not a regular file, a device or a FIFO; -o cannot write it", file=str(path)
            )
        )
    folder = real.parent if str(real.parent) else Path(".")
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
            _publish(stream, linkable, real, folder)
    except OSError as exc:  # a full disk, a read-only folder: bad circumstances, not a bug
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(path))) from None


def _resolved(path: Path) -> Path:
    """The file a symlink (or a chain of them) ends at, even when that file does not exist yet."""
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def _kind(path: Path) -> str:
    """``new``, ``regular``, ``special`` (a character or block device, a FIFO) or ``other``."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "new"
    except OSError:
        return "new"  # unreadable metadata: let the write itself say what is wrong
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
        return "special"
    return "other"


def _write_in_place(device: Path | None, write: Callable[[BinaryIO], None], shown: Path) -> None:
    """Make the whole content first (a failure writes nothing), then copy it into ``device``
    (opened for writing, never created or replaced) or, for None, standard output."""
    try:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
            write(buffer)  # type: ignore[arg-type]
            buffer.seek(0)
            if device is None:
                sys.stdout.flush()
                shutil.copyfileobj(buffer, sys.stdout.buffer, 1024 * 1024)
                sys.stdout.buffer.flush()
                return
            with open(device, "r+b" if stat.S_ISBLK(os.stat(device).st_mode) else "wb", buffering=0) as sink:
                shutil.copyfileobj(buffer, sink, 1024 * 1024)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(shown))) from None


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
    """Write ``text`` as UTF-8 to ``path`` (see :func:`atomic_write`); ``-`` is standard output,
    where the terminal's own encoding applies."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    data = text.encode("utf-8")

    def write(stream: BinaryIO) -> None:
        stream.write(data)

    atomic_write(path, write)


def files_sha256(paths: Iterable[str]) -> dict[str, str]:
    """Each file's sha256, so a report says exactly which workbooks it was computed from (a file
    that cannot be read is left out: the report names what it read)."""
    import hashlib

    out: dict[str, str] = {}
    for path in paths:
        try:
            out[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            continue
    return out
