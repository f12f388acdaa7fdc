"""The workbook container: checked before any parser sees it, and its parts located.

Why before any parser: the workbooks come from outside (many MCPs, many versions of Excel, some
written by scripts). A workbook must be a zip (an old ``.xls`` is recognised by its OLE2
signature and named); the entry count is capped; every entry is actually decompressed with a
running byte limit (header sizes are not trusted alone), so a zip bomb is refused after a bounded
amount of work; and any XML part with ``<!DOCTYPE`` or ``<!ENTITY`` is refused (billion laughs,
external entities). The parts read afterwards are parsed with defusedxml, and openpyxl, when it
reads, must be using defusedxml too: a second line of defence.

Any exception from zipfile on a crafted file becomes ``not-xlsx`` naming the file: a user never
sees a traceback for a bad file.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import posixpath
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ipp_calc.errors import Finding, InputError

MB = 1024 * 1024

#: A checked workbook's parts, decompressed once by :func:`check_archive`: zip path → bytes.
Parts = dict[str, bytes]

#: An old binary Excel file (and a password-protected .xlsx, which is wrapped the same way).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_FORBIDDEN_WORDS = ("<!DOCTYPE", "<!ENTITY")
_FORBIDDEN = {
    encoding: tuple(word.encode(encoding) for word in _FORBIDDEN_WORDS)
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
}
_SCANNED_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a workbook may hold before it is refused unread.

    A real template of a few hundred rows is well under 1 MB, so these are generous for real
    files and small enough that a hostile one is refused in a fraction of a second.
    """

    file_bytes: int = 50 * MB
    entries: int = 10_000
    uncompressed: int = 100 * MB


DEFAULT_LIMITS = Limits()


def read_workbook_bytes(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The file's bytes, refusing a missing, unreadable or oversized file by name."""
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            raise InputError(
                Finding(
                    "workbook-too-large",
                    f"the file is {size // MB} MB; a reporting template is far smaller "
                    f"(limit {limits.file_bytes // MB} MB)",
                    file=display,
                )
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(Finding("file-not-found", "no such file", file=display)) from None
    except IsADirectoryError:
        raise InputError(Finding("file-unreadable", "is a folder, not a workbook", file=display)) from None
    except OSError as exc:
        raise InputError(Finding("file-unreadable", exc.strerror or str(exc), file=display)) from None


def check_archive(data: bytes, display: str, limits: Limits = DEFAULT_LIMITS) -> Parts:
    """Refuse what is not a safe .xlsx before any XML parser runs (see the module docstring).

    Streams every entry through the decompressor with a running total, so the work done on a
    zip bomb is bounded by ``limits.uncompressed`` whatever its headers claim, and scans the
    XML parts for DTDs and entity declarations on the way. Returns the parts it decompressed
    (at most ``limits.uncompressed`` bytes), so the readers after it never decompress a part
    again (issue 18: the sheet reader and the number-format scan each did).
    """
    if not data:
        raise not_xlsx(display, "the file is empty (0 bytes), not an .xlsx workbook")
    if data.startswith(OLE2_MAGIC):
        raise not_xlsx(
            display,
            "is an old-style .xls workbook (or a password-protected one), not an .xlsx; "
            "open it in Excel and save it as an Excel Workbook (.xlsx) without a password",
        )
    try:
        return _check_zip(data, display, limits)
    except InputError:
        raise
    except Exception as exc:  # zipfile can raise many things on a crafted file (struct.error, …)
        raise not_xlsx(display, f"is a damaged or unsupported zip ({why(exc)})") from None


def require_defusedxml() -> None:
    """XML is parsed through defusedxml only: the second line of defence after the scan.

    openpyxl reports whether it uses defusedxml; asking it means importing openpyxl (~50 ms), so
    where openpyxl is not loaded (the calamine path never needs it) the question is whether
    defusedxml itself is installed, which is what openpyxl's answer depends on.
    """
    openpyxl_xml = sys.modules.get("openpyxl.xml")
    calamine_missing = importlib.util.find_spec("python_calamine") is None
    if openpyxl_xml is not None or os.environ.get("IPP_READER") == "openpyxl" or calamine_missing:
        from openpyxl.xml import DEFUSEDXML
    else:
        DEFUSEDXML = importlib.util.find_spec("defusedxml") is not None
    if not DEFUSEDXML:
        raise InputError(
            Finding(
                "workbook-unsafe",
                "refusing to read workbooks: openpyxl is not using defusedxml; install defusedxml",
            )
        )


# --------------------------------------------------------------------------- the container


def _check_zip(data: bytes, display: str, limits: Limits) -> Parts:
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        raise not_xlsx(display, "not an .xlsx workbook (an .xls or another format?)")
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        if len(infos) > limits.entries:
            raise _too_large(display, f"it has {len(infos)} parts (limit {limits.entries})")
        if "[Content_Types].xml" not in {info.filename for info in infos}:
            raise not_xlsx(display, "is a zip archive but not an Excel workbook (no [Content_Types].xml)")
        declared = sum(info.file_size for info in infos)
        if declared > limits.uncompressed:
            raise _too_large(display, f"it expands to {declared // MB} MB")
        total = 0
        parts: Parts = {}
        for info in infos:
            if info.is_dir():
                continue
            scan = info.filename.lower().endswith(_SCANNED_SUFFIXES)
            chunks: list[bytes] = []
            with archive.open(info) as part:
                total = _stream_part(part, info.filename, scan, total, display, limits, chunks)
            parts[info.filename] = b"".join(chunks)  # a repeated name: the last, as zipfile reads it
        return parts


def _stream_part(
    part: IO[bytes], name: str, scan: bool, total: int, display: str, limits: Limits, keep: list[bytes] | None = None
) -> int:
    """Decompress one part with the running byte limit; scan it for DTDs if it is XML. The
    chunks go into ``keep`` when given."""
    tail = b""
    forbidden: tuple[bytes, ...] = ()
    first = True
    while True:
        chunk = part.read(_CHUNK)
        if not chunk:
            return total
        if keep is not None:
            keep.append(chunk)
        total += len(chunk)
        if total > limits.uncompressed:
            raise _too_large(display, f"it expands past {limits.uncompressed // MB} MB")
        if not scan:
            continue
        if first:
            forbidden = _FORBIDDEN[_xml_encoding(chunk)]
            first = False
        window = tail + chunk
        if any(word in window for word in forbidden):
            raise InputError(
                Finding(
                    "workbook-unsafe",
                    f"part {name} declares a DTD or an XML entity (<!DOCTYPE or <!ENTITY), "
                    "which Excel never writes; refused for safety",
                    file=display,
                )
            )
        tail = window[-32:]


def _xml_encoding(start: bytes) -> str:
    """The byte layout of an XML part from its first bytes (XML 1.0, appendix F)."""
    if start.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if start.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "ascii"  # UTF-8 and its ASCII-compatible kin


def not_xlsx(display: str, message: str) -> InputError:
    return InputError(Finding("not-xlsx", message, file=display))


def _too_large(display: str, reason: str) -> InputError:
    return InputError(
        Finding("workbook-too-large", f"refused unread: {reason}; not a reporting template", file=display)
    )


def why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:157] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------- locating parts

_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True, slots=True)
class WorkbookParts:
    """Where a workbook's sheets are, and whether it asks to be recalculated when opened.

    ``sheets`` maps each sheet's title to its zip path (``xl/worksheets/sheet3.xml``), in
    workbook order. ``recalc`` is ``<calcPr fullCalcOnLoad="1">``: XlsxWriter and openpyxl
    always set it and save every formula's result as 0 (or nothing), trusting the spreadsheet
    to recompute; Excel and LibreOffice recompute and save real results.
    """

    sheets: dict[str, str]
    recalc: bool


def part_reader(source: zipfile.ZipFile | Parts) -> Callable[[str], bytes]:
    """Read a part by its zip path from an open archive or from :func:`check_archive`'s parts
    (a missing one raises zipfile's own KeyError, whichever it is)."""
    if isinstance(source, zipfile.ZipFile):
        return source.read

    def read(name: str) -> bytes:
        try:
            return source[name]
        except KeyError:
            raise KeyError(f"There is no item named {name!r} in the archive") from None

    return read


def workbook_parts(archive: zipfile.ZipFile | Parts) -> WorkbookParts:
    """The sheet parts and the recalculation flag, from the package relationships."""
    read = part_reader(archive)
    book = _office_document(read("_rels/.rels"))
    rels = posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels")
    sheets, recalc = _sheets_of(book, read(book), read(rels))
    return WorkbookParts(sheets=dict(sheets), recalc=recalc)


# The two parses below are remembered by the parts' bytes: a year's workbooks come from one
# template, so most share these parts byte for byte, and three XML parses per workbook were
# ~5 % of reading one (issue 18). Pure functions of bytes: a different file parses afresh.


@functools.lru_cache(maxsize=64)
def _office_document(package_rels: bytes) -> str:
    """The workbook part's path, from the package's relationships."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(package_rels)
    return next(
        (rel.get("Target", "") for rel in root if rel.get("Type", "").endswith("/officeDocument")),
        "xl/workbook.xml",
    ).lstrip("/")


@functools.lru_cache(maxsize=64)
def _sheets_of(book: str, book_xml: bytes, book_rels: bytes) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(sheet title, part path) in workbook order, and ``fullCalcOnLoad``."""
    from defusedxml.ElementTree import fromstring

    folder = posixpath.dirname(book)
    ids: dict[str, str] = {}
    recalc = False
    for element in fromstring(book_xml).iter():
        tag = element.tag.rpartition("}")[2]
        if tag == "sheet":
            ids.setdefault(str(element.get(_REL_NS)), str(element.get("name", "")))
        elif tag == "calcPr":
            recalc = str(element.get("fullCalcOnLoad", "")).strip().lower() in ("1", "true")
    targets: dict[str, str] = {}
    for rel in fromstring(book_rels):
        target = str(rel.get("Target", ""))
        targets[str(rel.get("Id"))] = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        )
    sheets = tuple((name, targets[rel_id]) for rel_id, name in ids.items() if rel_id in targets)
    return sheets, recalc
