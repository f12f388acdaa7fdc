"""Finding and loading measure sets: ``measures/py<N>/program.yaml`` and ``submission-<S>.yaml``.

Why here and not in the core: this is the file-system side (paths, sha256, the copy of
``measures/`` that the installed package carries). The core receives a :class:`MeasureSet`
and never opens a file.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ipp_calc.core.models import MeasureSet, Program, SourceFile, Submission
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.yamlload import YamlDoc, parse_yaml, read_text, validate

T = TypeVar("T")

SUBMISSION_FILE = re.compile(r"submission-(\d+)\.ya?ml")
YEAR_DIR = re.compile(r"py(\d+)")


def illustrative_notes(ms: MeasureSet) -> list[str]:
    """The one line every report made with an illustrative measure set carries."""
    if ms.illustrative:
        return [f"ILLUSTRATIVE: PY{ms.year} measure set is marked illustrative; its numbers are not DHCS's."]
    return []


def shipped_measures_dir() -> Path:
    """The measure sets that come with the package (``ipp_calc/measures`` when installed,
    the repository's ``measures/`` in a source checkout or editable install)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "measures"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "measures"


@functools.cache
def _shipped_root() -> Path | None:
    try:
        return shipped_measures_dir().resolve()
    except OSError:
        return None


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it.

    The measure sets shipped inside the package are named ``measures/py1/…`` wherever pip put
    them, so reports and traces read the same on every machine (their sha256 says which copy).
    Remembered per path and current folder: a year names each workbook several times, and
    resolving it (a system call per path component) was ~5 % of reading one (issue 18).
    """
    return _display_path(path, os.getcwd())


@functools.lru_cache(maxsize=4096)
def _display_path(path: Path, cwd: str) -> str:
    shipped = _shipped_root()
    if shipped is not None:
        try:
            inside = path.resolve().relative_to(shipped).as_posix()
            return "measures" if inside == "." else f"measures/{inside}"
        except (ValueError, OSError):
            pass
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class YearFiles:
    """The files of one program year's folder."""

    folder: Path
    program: Path
    submissions: dict[int, Path]


def year_files(folder: Path) -> YearFiles:
    submissions: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        match = SUBMISSION_FILE.fullmatch(path.name)
        if match and path.is_file():
            submissions[int(match.group(1))] = path
    return YearFiles(folder=folder, program=folder / "program.yaml", submissions=submissions)


def year_folders(root: Path) -> list[Path]:
    """Program-year folders under a measures root (``py1``, ``py2``, …), in year order."""
    found = [p for p in root.iterdir() if p.is_dir() and YEAR_DIR.fullmatch(p.name)]
    return sorted(found, key=lambda p: int(p.name[2:]))


def year_folder(measures: Path, year: int) -> Path:
    folder = measures / f"py{year}"
    if not folder.is_dir():
        available = ", ".join(p.name for p in year_folders(measures)) if measures.is_dir() else "none"
        raise InputError(
            Finding(
                "usage",
                f"no measure set for program year {year} (looked for {folder.name}/; available: {available})",
                file=display_path(measures),
            )
        )
    return folder


def load_year(measures: Path, year: int) -> MeasureSet:
    """Load and structurally validate one program year's measure set; raise every finding."""
    return load_folder(year_folder(measures, year))


def load_folder(folder: Path) -> MeasureSet:
    files = year_files(folder)
    found = Collector()
    loaded = _load_files(files.program, files.submissions, found)
    found.raise_if_any()
    assert loaded is not None
    return loaded


def _load_files(program_path: Path, submission_paths: dict[int, Path], found: Collector) -> MeasureSet | None:
    """Read every file of a year folder, then load them as text; None when any file failed."""
    program_display = display_path(program_path)
    program: tuple[str, str] | None = None
    if not program_path.is_file():
        found.add("file-not-found", "program.yaml is missing from the measure-set folder", file=program_display)
    else:
        program = _read(program_path, program_display, found)
    submissions: dict[int, tuple[str, str]] = {}
    for number, path in sorted(submission_paths.items()):
        display = display_path(path)
        text = _read(path, display, found)
        if text is not None:
            submissions[number] = text
    loaded = measure_set_from_texts(program, submissions, found)
    return None if found else loaded


def measure_set_from_texts(
    program: tuple[str, str] | None, submissions: dict[int, tuple[str, str]], found: Collector
) -> MeasureSet | None:
    """The strict loader on texts: ``program`` and each submission are (display name, text), as
    read from a folder or from a git revision (``ipp diff --base``). Every finding is collected
    into ``found``; None when the program or any file failed."""
    lines: dict[str, dict[tuple[str | int, ...], int]] = {}
    program_model: Program | None = None
    program_source: SourceFile | None = None
    if program is not None:
        display, text = program
        doc = _parse(text, display, found)
        if doc is not None:
            lines[display] = doc.lines
            program_source = SourceFile(display, sha256_of(text))
            program_model = _validated(Program, doc, found)
    subs: dict[int, Submission] = {}
    sources: dict[int, SourceFile] = {}
    for number, (display, text) in sorted(submissions.items()):
        doc = _parse(text, display, found)
        if doc is None:
            continue
        lines[display] = doc.lines
        sub = _validated(Submission, doc, found)
        if sub is None:
            continue
        if sub.submission != number:
            found.add(
                "year-mismatch",
                f"the file name says submission {number} but the file says {sub.submission}",
                file=display,
                line=doc.line_of(("submission",)),
                key="submission",
            )
        subs[number] = sub
        sources[number] = SourceFile(display, sha256_of(text))
    if program_model is None or program_source is None:
        return None
    return MeasureSet(program_model, subs, program_source, sources, lines)


def _read(path: Path, display: str, found: Collector) -> tuple[str, str] | None:
    try:
        return display, read_text(path, display)
    except InputError as exc:
        found.extend(exc.findings)
        return None


def _parse(text: str, display: str, found: Collector) -> YamlDoc | None:
    try:
        return parse_yaml(text, display)
    except InputError as exc:
        found.extend(exc.findings)
        return None


def _validated(model: type[T], doc: YamlDoc, found: Collector) -> T | None:
    try:
        return validate(model, doc)
    except InputError as exc:
        found.extend(exc.findings)
        return None


def load_for_check(paths: list[Path]) -> tuple[list[MeasureSet], list[Finding], set[str] | None]:
    """Everything ``ipp check`` was pointed at: measure roots, year folders or single files.

    Returns the sets that loaded, every finding from those that did not, and (when only single
    files were named) the display names of those files, so the caller reports findings about
    them alone. A path that does not exist raises: that is unreadable input (exit 2), not a
    finding about the rules.
    """
    sets: list[MeasureSet] = []
    findings: list[Finding] = []
    folders: list[Path] = []
    only: set[str] | None = set()
    for path in paths:
        if not path.exists():
            raise InputError(Finding("file-not-found", "no such file or folder", file=display_path(path)))
        if path.is_file():
            if path.name == "program.yaml" or SUBMISSION_FILE.fullmatch(path.name):
                folders.append(path.parent)
                if only is not None:
                    # Name the file as the folder load below will (its folder resolved), so
                    # a path through a symlink still matches its findings instead of hiding them.
                    only.add(display_path(path.parent.resolve() / path.name))
            else:
                findings.extend(_check_single_yaml(path))
            continue
        only = None
        if (path / "program.yaml").exists():
            folders.append(path)
            continue
        years = year_folders(path)
        if not years:
            raise InputError(
                Finding("file-not-found", "no program.yaml and no py<N>/ folders here", file=display_path(path))
            )
        folders.extend(years)
    for folder in dict.fromkeys(p.resolve() for p in folders):
        files = year_files(folder)
        found = Collector()
        loaded = _load_files(files.program, files.submissions, found)
        findings.extend(found.findings)
        if loaded is not None:
            sets.append(loaded)
    return sets, findings, (only or None)


def _check_single_yaml(path: Path) -> list[Finding]:
    """A file that is neither program nor submission: a data-folder file is pointed to
    ``--data``; a YAML file is at least parsed strictly; anything else, or a YAML file that
    parses, is said plainly not to be a measure-set file (exit 2), never "ok: 0 files checked"."""
    from ipp_calc.io.submissions import DATA_FILES  # here: io/submissions imports this module

    display = display_path(path)
    if path.name in DATA_FILES:
        raise InputError(
            Finding(
                "usage",
                f"is a data-folder file, not a measure-set file; check its folder with: ipp check --data "
                f"{display_path(path.parent)}",
                file=display,
            )
        )
    not_a_set = Finding(
        "usage", "is not a measure-set file (program.yaml or submission-<S>.yaml); nothing to check", file=display
    )
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(not_a_set)
    try:
        parse_yaml(read_text(path, display), display)
    except InputError as exc:
        return list(exc.findings)
    raise InputError(not_a_set)


def baseline_sets(ms: MeasureSet, roots: list[Path], have: dict[int, MeasureSet]) -> dict[int, MeasureSet]:
    """The other program years whose submissions ``ms``'s improvement measures name as baselines
    (RULES.md section 8), from ``have`` or loaded from the first of ``roots`` that holds them.
    A year found nowhere (or that does not load) is left out: :func:`check_baselines` says so."""
    wanted = {
        m.baseline_year(ms.year)
        for sub in ms.submissions.values()
        for m in sub.measures
        if m.baseline is not None and m.baseline_year(ms.year) != ms.year
    }
    # prepopulate_from may name an earlier year too (``ipp check`` validates it the same way)
    wanted |= {
        ref.program_year
        for sub in ms.submissions.values()
        for m in sub.measures
        if (ref := m.prepopulate_from) is not None and ref.program_year not in (None, ms.year)
    }
    out: dict[int, MeasureSet] = {}
    for year in sorted(wanted):
        if year in have:
            out[year] = have[year]
            continue
        for root in roots:
            folder = root / f"py{year}"
            if (folder / "program.yaml").is_file():
                with contextlib.suppress(InputError):
                    out[year] = load_folder(folder)
                break
    return out


def measure_ids(ms: MeasureSet) -> set[str]:
    """Every measure id of the year, for checking the ids that targets.csv names (here, beside the
    loader, so that a command reading one workbook need not import the year loader)."""
    return {m.id for sub in ms.submissions.values() for m in sub.measures}
