"""What every command returns: the result's document, its views, notes, findings and inputs.

Why one type: the CLI then has one way to deliver any command (pick the view for ``--format``,
write it to the terminal or ``-o``, print notes and findings to stderr, choose the exit code), and
a library caller gets the same typed outcome without the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ipp_calc.errors import Finding

#: A JSON document as the commands build it (``to_json()`` of a result): plain dicts, lists,
#: strings, numbers, booleans and None.
Document = dict[str, object]

#: A view: renders the outcome in one format (``table``, ``json``, ``csv``, ``markdown``) when asked.
View = Callable[[], str]

#: A file form of the outcome (``xlsx``: the report workbook): writes it to the path it is given
#: and returns the note that says so.
FileWriter = Callable[[Path], str]


@dataclass(frozen=True)
class Outcome:
    """A command's outcome.

    ``document`` builds the ``--format json`` document (only when JSON is asked for); ``views``
    maps the other formats the command offers to their renderers; ``files`` the forms that are
    files of their own (by suffix: ``xlsx``), written atomically by the given writer; ``notes`` are lines shown beside
    the output (on the table, in JSON as ``notices``, on stderr otherwise); ``findings`` make the
    command exit 1 while its output is still written; ``failed`` is a command's own reason to exit 1
    (``ipp diff --fail-on``); ``inputs`` are the files read (``-o`` may never overwrite one).
    ``files`` is keyed by suffix (``xlsx``) or ``dir`` for a folder form (``-o`` an existing folder
    or a name without a suffix). ``files_replace_output``: writing a file form is the whole output
    (its note goes to stdout), rather than writing it besides the chosen format on the terminal.
    ``summary`` is a closing line for the table (``ipp check``'s count: on stderr when findings
    were printed to the terminal). ``notes_in_table`` says the table view shows the notes itself;
    ``findings_are_output`` that the views list the findings (``ipp check``), so they are not
    repeated on stderr.
    """

    document: Callable[[], Document]
    views: Mapping[str, View]
    files: Mapping[str, FileWriter] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    inputs: tuple[Path, ...] = ()
    failed: bool = False
    summary: str | None = None
    files_replace_output: bool = False
    notes_in_table: bool = True
    findings_are_output: bool = False
    #: The format shown when neither ``--format`` nor ``-o``'s suffix names one.
    default_format: str = "table"

    @property
    def exit_findings(self) -> bool:
        """True when the command should exit 1 (findings, or its own failure policy)."""
        return self.failed or bool(self.findings)
