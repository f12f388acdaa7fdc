"""What is in a data folder's ``submissions/``: the workbooks to read, the junk to note, the rest refused.

Why no entry is skipped in silence: a workbook that is not read is a plan scored "nothing
reported", which earns $0 and loses the pool, with exit 0. So every entry gets one of three
answers:

* **read**: a file named ``*.xlsx``, ``*.xlsm``, ``*.xltx`` or ``*.xltm`` (any case). These are
  all the same Office Open XML workbook; which MCP and submission it answers is read from its
  Cover, never from its name, and a file whose *content* is not a workbook (an ``.xls`` renamed to
  ``.xlsx``) is refused by the reader, by name.
* **ignored with a note**: files that the tools people use leave behind and that never hold an
  answer: Excel's ``~$`` and LibreOffice's ``.~lock.…#`` lock files, ``.DS_Store``, macOS ``._``
  shadow files and ``__MACOSX/``, ``Thumbs.db``, ``desktop.ini``, and other hidden (dot) files
  and folders such as ``.gitkeep``.
* **refused** (exit 2, one line each, all at once): anything else, with what to do: an
  ``.xls``, ``.ods`` or ``.numbers`` file is to be saved as ``.xlsx``; any other file is to be
  moved out of the folder; a FIFO, socket or device is not a file to read.

Subfolders are read, to any depth: analysts sort workbooks into ``submission-1/`` and
``submission-2/``, and what a workbook answers comes from its Cover anyway. An old copy left in
an ``archive/`` subfolder is not silently preferred or dropped: it answers the same MCP and
submission as the current one, which is refused as ``duplicate-workbook`` naming both files.
Symbolic links to folders are not followed (a link loop must not hang the run). A data folder
with no ``submissions/`` at all is refused: a year run on no workbooks pays nothing, which is
never what was meant; an empty ``submissions/`` is how to say "nothing filed yet".
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.measures import display_path

#: The data folder's own files, beside ``submissions/`` (io/data.py reads them), in the order
#: ``ipp check --data`` lists them.
DATA_FILES = ("year.yaml", "plans.csv", "elections.yaml", "allocation.csv", "targets.csv")

#: File name suffixes of the Office Open XML spreadsheet family (workbook, macro-enabled
#: workbook, template, macro-enabled template): the same container, read the same way.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")

#: Other spreadsheet formats an MCP may send, with the words a user knows them by.
_OTHER_SPREADSHEETS = {
    ".xls": "an old-style Excel workbook (.xls)",
    ".xlsb": "a binary Excel workbook (.xlsb)",
    ".xlt": "an old-style Excel template (.xlt)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".fods": "a flat OpenDocument spreadsheet (.fods)",
    ".numbers": "an Apple Numbers document",
    ".csv": "a CSV file",
}

#: Exact names (compared without case) that operating systems and office suites leave behind.
_JUNK_NAMES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx", ".spotlight-v100", ".trashes"}


def workbook_paths(folder: Path) -> tuple[list[Path], list[Finding]]:
    """The workbooks under ``folder`` in path order, and a note for each junk entry ignored.

    Raises :class:`InputError` with one finding per refused entry (and for a missing folder).
    """
    shown = display_path(folder)
    if not folder.exists():
        raise InputError(
            Finding(
                "file-not-found",
                "the data folder has no submissions/ folder; put the MCPs' workbooks there "
                "(an empty submissions/ folder says that none have been filed yet)",
                file=shown,
            )
        )
    if not folder.is_dir():
        raise InputError(
            Finding("file-unreadable", "is not a folder; submissions/ must be a folder of workbooks", file=shown)
        )
    paths: list[Path] = []
    notes: list[Finding] = []
    refused = Collector()
    _walk(folder, paths, notes, refused)
    refused.raise_if_any()
    return paths, notes


def _walk(folder: Path, paths: list[Path], notes: list[Finding], refused: Collector) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        refused.add("file-unreadable", f"cannot list the folder ({exc.strerror or exc})", file=display_path(folder))
        return
    for entry in entries:
        path = Path(entry.path)
        shown = display_path(path)
        why = junk_reason(entry.name)
        if why is not None:
            notes.append(Finding("ignored-file", f"ignored: {why}", file=shown, severity="note"))
            continue
        try:
            mode = entry.stat(follow_symlinks=True).st_mode
        except OSError:
            refused.add("file-not-found", "is a broken link or vanished while being listed", file=shown)
            continue
        if stat.S_ISDIR(mode):
            if entry.is_symlink():
                refused.add(
                    "file-unreadable",
                    "is a link to a folder, which is not followed; move the workbooks into submissions/ itself",
                    file=shown,
                )
            else:
                _walk(path, paths, notes, refused)
            continue
        if not stat.S_ISREG(mode):
            refused.add(
                "file-unreadable",
                "is not a regular file (a pipe, socket or device); only workbooks belong in submissions/",
                file=shown,
            )
            continue
        suffix = path.suffix.lower()
        if suffix in WORKBOOK_SUFFIXES:
            paths.append(path)
        elif suffix in _OTHER_SPREADSHEETS and suffix != ".csv":
            refused.add(
                "not-xlsx",
                f"is {_OTHER_SPREADSHEETS[suffix]}, which ipp does not read; open it and save it as an "
                "Excel Workbook (.xlsx) in submissions/, then remove this file",
                file=shown,
            )
        else:
            kind = _OTHER_SPREADSHEETS.get(suffix, "not a workbook")
            refused.add(
                "not-xlsx",
                f"is {kind}: only .xlsx (.xlsm, .xltx) workbooks belong in submissions/; move it out of the folder",
                file=shown,
            )


def junk_reason(name: str) -> str | None:
    """Why an entry named ``name`` is known junk (never an answer), or None if it is not junk."""
    folded = name.casefold()
    if folded.startswith("~$"):
        return "an Excel lock file (the workbook is, or was, open in Excel)"
    if folded.startswith(".~lock.") and folded.endswith("#"):
        return "a LibreOffice lock file (the workbook is, or was, open in LibreOffice)"
    if folded.startswith("._"):
        return "a macOS shadow file (._), left by copying from a Mac"
    if folded in _JUNK_NAMES:
        return "a file the operating system leaves behind"
    if folded.startswith("."):
        return "a hidden file"
    return None
