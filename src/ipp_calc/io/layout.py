"""The workbook layout, defined once: sheet names, Cover labels and Responses headers.

Why one module: the template writer (``io/template.py``) and the workbook reader
(``io/workbook.py``) must agree on every name, and FORMATS.md fixes them (a plan's filled
template is read back by these names). Both import from here; ``tests/test_layout.py`` checks
that they do agree. The report workbook's sheet names (``io/report.py``) are here too, so the
views and writers of the report name its sheets one way.

Pure constants: no imports, cheap for ``ipp --help``.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- the reporting template

COVER_SHEET = "Cover"
RESPONSES_SHEET = "Responses"
INSTRUCTIONS_SHEET = "Instructions"

#: Cover labels (column A) whose values (column B) the reader needs, in the template's order.
COVER_MCP = "MCP"
COVER_PROGRAM_YEAR = "Program year"
COVER_SUBMISSION = "Submission"
COVER_COUNTIES = "Counties"
#: The sha256 of the submission file the template was made from (optional when reading).
COVER_MEASURE_SET = "Measure set"
COVER_REQUIRED = (COVER_MCP, COVER_PROGRAM_YEAR, COVER_SUBMISSION, COVER_COUNTIES)
#: The Cover's fixed rows, in order (FORMATS.md); rows after these are informative only.
COVER_LABELS = (*COVER_REQUIRED, COVER_MEASURE_SET)

#: Responses headers the reader uses (found by name, in any column).
H_MEASURE = "Measure ID"
H_COUNTY = "County"
H_RESPONSE = "Response"
H_NOTES = "Notes"
H_TARGET = "Target"
#: The plan's own earlier value for an improvement measure (written by prepopulation, RULES.md 8).
H_BASELINE = "Baseline"
REQUIRED_HEADERS = (H_MEASURE, H_COUNTY, H_RESPONSE)
USED_HEADERS = (H_MEASURE, H_COUNTY, H_RESPONSE, H_NOTES, H_TARGET, H_BASELINE)

#: The Responses header the template writes, in order: where the eye starts, the row's key and
#: the answer (``Measure ID``, ``County``, ``Response``, with ``Answer with`` beside it), then what
#: describes the measure. ``Response`` is column C. (FORMATS.md's example names ``Responses!G14``:
#: an example only; the reader finds every column by its header, so workbooks of the earlier
#: order, with Response in G, read the same.)
RESPONSE_COLUMNS = (
    H_MEASURE,
    H_COUNTY,
    H_RESPONSE,
    "Answer with",
    H_NOTES,
    "Priority Area",
    "Measure",
    "Kind",
    "Mandatory",
    H_TARGET,
    "Points",
)
#: The sheet of live subtotals per county and priority area (a preview; the scorer never reads it).
SUMMARY_SHEET = "Summary"


def column_letter(header: str) -> str:
    """The template's column letter of ``header`` (``Response`` → ``C``; ``Baseline``, written
    after the others when a submission has improvement measures, → ``L``)."""
    return chr(ord("A") + (*RESPONSE_COLUMNS, H_BASELINE).index(header))


# --------------------------------------------------------------------------- the report workbook

#: The sheets of ``ipp run -o report.xlsx``, in order.
REPORT_SHEETS = ("Summary", "Cells", "Allocation", "Scores", "Pool", "Reconciliation", "Findings", "Sources")
