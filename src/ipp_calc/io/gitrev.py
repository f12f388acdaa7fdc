"""Measure sets as text: from a folder on disk or from a git revision (``ipp diff --base REF``).

Why text first: ``ipp diff --base origin/main`` compares the working tree with a revision that
is never checked out, so the OLD measure set exists only as blobs that ``git`` prints. Both sides
are therefore read as ``{file: text}`` and loaded by one function, with the same strict YAML and
the same pydantic models (and the same sha256 of each file's text) as :mod:`ipp_calc.io.measures`
uses for folders, so a diff never depends on where a side came from.

Git is run as a subprocess (``git ls-tree`` to list, ``git cat-file blob`` to read; never a
checkout, never a write to the repository), each call with a timeout. A failing git command is
bad input with the stable code ``git`` that says what was asked and git's own last line.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.measures import (
    SUBMISSION_FILE,
    YEAR_DIR,
    display_path,
    measure_set_from_texts,
    year_files,
    year_folders,
)
from ipp_calc.io.yamlload import read_text

GIT_TIMEOUT = 60  # seconds per git call: generous for a large repository, short of a hung CI job
MAX_BYTES = 5_000_000  # the same limit as a YAML file read from disk


@dataclass(frozen=True, slots=True)
class FileText:
    display: str  # as messages name it: ``measures/py1/program.yaml`` or ``HEAD:measures/py1/…``
    text: str


@dataclass(frozen=True, slots=True)
class YearTexts:
    """One program-year folder's files as text."""

    folder: str  # display name of the folder
    number: int | None  # N of a ``py<N>`` folder name, None for a folder named otherwise
    program: FileText | None
    submissions: dict[int, FileText] = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        """File name → text, as they would be written to a folder."""
        out = {"program.yaml": self.program.text} if self.program is not None else {}
        out.update({f"submission-{n}.yaml": f.text for n, f in sorted(self.submissions.items())})
        return out


@dataclass(frozen=True, slots=True)
class Tree:
    """One side of a diff: a single program-year folder, or a measures root of ``py<N>/`` folders."""

    label: str
    single: bool
    folders: tuple[YearTexts, ...]


@dataclass(frozen=True, slots=True)
class LoadedTree:
    label: str
    single: bool
    sets: dict[int, MeasureSet]
    texts: dict[int, YearTexts]


# --------------------------------------------------------------------------- folders on disk


def folder_tree(path: Path) -> Tree:
    """A measure-set folder (``program.yaml`` in it) or a measures root (``py<N>/`` in it)."""
    shown = display_path(path)
    if not path.exists():
        raise InputError(Finding("file-not-found", "no such folder", file=shown))
    if not path.is_dir():
        raise InputError(
            Finding(
                "usage",
                "expects a measure-set folder (program.yaml, submission-<S>.yaml) or py<N>/ folders",
                file=shown,
            )
        )
    if (path / "program.yaml").exists():
        return Tree(shown, True, (_folder_texts(path),))
    years = year_folders(path)
    if not years:
        raise InputError(Finding("file-not-found", "no program.yaml and no py<N>/ folders here", file=shown))
    return Tree(shown, False, tuple(_folder_texts(p) for p in years))


def _folder_texts(folder: Path) -> YearTexts:
    files = year_files(folder)
    found = Collector()

    def read(path: Path) -> FileText | None:
        shown = display_path(path)
        try:
            return FileText(shown, read_text(path, shown))
        except InputError as exc:
            found.extend(exc.findings)
            return None

    program = read(files.program) if files.program.exists() else None
    submissions = {n: read(p) for n, p in sorted(files.submissions.items())}
    found.raise_if_any()
    match = YEAR_DIR.fullmatch(folder.name)
    return YearTexts(
        display_path(folder),
        int(match.group(1)) if match else None,
        program,
        {n: f for n, f in submissions.items() if f is not None},
    )


# --------------------------------------------------------------------------- git


def _git(args: Sequence[str], cwd: Path, what: str) -> bytes:
    """Run ``git args`` in ``cwd``; its stdout, or :class:`InputError` (code ``git``)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", "--no-pager", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise InputError(Finding("git", f"{what}: git is not installed (or not on PATH)")) from None
    except subprocess.TimeoutExpired:
        raise InputError(Finding("git", f"{what}: git took longer than {GIT_TIMEOUT} seconds; stopped")) from None
    except OSError as exc:
        raise InputError(Finding("git", f"{what}: {exc.strerror or exc}")) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"git exited with code {done.returncode}"
        raise InputError(Finding("git", f"{what}: {reason}"))
    return done.stdout


def work_tree_root(start: Path) -> Path | None:
    """The top folder of the git work tree holding ``start``, or None outside any work tree."""
    folder = start if start.is_dir() else start.parent
    try:
        out = _git(["rev-parse", "--show-toplevel"], folder, "finding the git work tree")
    except InputError as exc:
        if "not a git repository" in exc.first.message or "not a work tree" in exc.first.message:
            return None
        raise
    text = out.decode("utf-8", "replace").strip()
    return Path(text) if text else None


def resolve_revision(root: Path, ref: str) -> str:
    """The commit id that ``ref`` names (a branch, tag, ``HEAD~1``, ``origin/main``…)."""
    if not ref or ref.startswith("-"):
        raise InputError(Finding("git", f"{ref!r} is not a revision"))
    out = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root, f"unknown revision {ref!r}")
    return out.decode("ascii", "replace").strip()


def relative_in_repo(root: Path, path: Path) -> str:
    """``path`` as git names it inside the work tree (``measures/py1``; ``""`` for the top)."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        raise InputError(
            Finding("git", f"is not inside the git work tree {display_path(root)}", file=display_path(path))
        ) from None
    text = rel.as_posix()
    return "" if text == "." else text


def git_tree(root: Path, ref: str, rel: str) -> Tree:
    """The measure sets under ``rel`` at revision ``ref``, read without a checkout.

    A path that does not exist at ``ref`` is an empty root (everything in NEW is new)."""
    commit = resolve_revision(root, ref)
    label = f"{ref}:{rel}" if rel else f"{ref}:"
    listing = _git(
        ["ls-tree", "-r", "-z", "--name-only", commit, "--", *([rel] if rel else [])],
        root,
        f"listing {label}",
    )
    prefix = f"{rel}/" if rel else ""
    names = [n for n in listing.decode("utf-8", "replace").split("\0") if n.startswith(prefix)]
    direct: dict[str, str] = {}
    nested: dict[int, dict[str, str]] = {}
    for name in names:
        tail = name[len(prefix) :]
        parts = tail.split("/")
        if len(parts) == 1 and _measure_file(parts[0]):
            direct[parts[0]] = name
        elif len(parts) == 2 and YEAR_DIR.fullmatch(parts[0]) and _measure_file(parts[1]):
            nested.setdefault(int(parts[0][2:]), {})[parts[1]] = name
    if "program.yaml" in direct:
        match = YEAR_DIR.fullmatch(rel.rsplit("/", 1)[-1]) if rel else None
        number = int(match.group(1)) if match else None
        return Tree(label, True, (_git_year(root, commit, ref, label, number, direct),))
    folders = tuple(
        _git_year(root, commit, ref, f"{ref}:{prefix}py{n}", n, files) for n, files in sorted(nested.items())
    )
    return Tree(label, False, folders)


def _measure_file(name: str) -> bool:
    return name == "program.yaml" or SUBMISSION_FILE.fullmatch(name) is not None


def _git_year(root: Path, commit: str, ref: str, folder: str, number: int | None, files: dict[str, str]) -> YearTexts:
    def read(path: str) -> FileText:
        shown = f"{ref}:{path}"
        raw = _git(["cat-file", "blob", f"{commit}:{path}"], root, f"reading {shown}")
        if len(raw) > MAX_BYTES:
            raise InputError(
                Finding("file-unreadable", f"is {len(raw):,} bytes; the limit is {MAX_BYTES:,}", file=shown)
            )
        try:
            return FileText(shown, raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(Finding("file-unreadable", "is not UTF-8 text", file=shown, line=line)) from None

    program = read(files["program.yaml"]) if "program.yaml" in files else None
    submissions: dict[int, FileText] = {}
    for name, path in sorted(files.items()):
        match = SUBMISSION_FILE.fullmatch(name)
        if match:
            submissions[int(match.group(1))] = read(path)
    return YearTexts(folder, number, program, submissions)


# --------------------------------------------------------------------------- loading text


def load_tree(tree: Tree) -> LoadedTree:
    """Load every year of a side; raise every structural finding of every file at once."""
    found = Collector()
    sets: dict[int, MeasureSet] = {}
    texts: dict[int, YearTexts] = {}
    for folder in tree.folders:
        try:
            ms = load_year_texts(folder)
        except InputError as exc:
            found.extend(exc.findings)
            continue
        year = ms.year if tree.single or folder.number is None else folder.number
        sets[year] = ms
        texts[year] = folder
    found.raise_if_any()
    return LoadedTree(tree.label, tree.single, sets, texts)


def load_year_texts(year: YearTexts) -> MeasureSet:
    """A :class:`MeasureSet` from one folder's texts, by the strict loader of ``io.measures``."""
    found = Collector()
    if year.program is None:
        found.add("file-not-found", "program.yaml is missing from the measure-set folder", file=year.folder)
    program = (year.program.display, year.program.text) if year.program is not None else None
    submissions = {n: (f.display, f.text) for n, f in year.submissions.items()}
    loaded = measure_set_from_texts(program, submissions, found)
    found.raise_if_any()
    assert loaded is not None
    return loaded
