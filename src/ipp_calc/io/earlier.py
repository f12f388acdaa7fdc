"""Reading a plan's earlier workbook for ``ipp template --from``: whose it is, its sha256, and
what the measure set says it carries (:func:`ipp_calc.core.prepopulate.prepopulate`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from ipp_calc.core.models import Submission
from ipp_calc.core.prepopulate import Prepopulation, prepopulate
from ipp_calc.errors import Finding, InputError
from ipp_calc.io.workbook import MeasureSets, read_submission


def read_prepopulation(
    path: Path, measure_sets: MeasureSets, sub: Submission, mcp: str, counties: Sequence[str], *, display: str
) -> Prepopulation:
    """The carry-overs of ``path`` into ``sub``'s template for ``mcp``: only the same plan's
    workbook may prepopulate, and only what the measure set declares is carried."""
    earlier = read_submission(path, measure_sets, display=display, allow_measure_set_change=True)
    if earlier.mcp != mcp:
        raise InputError(
            Finding(
                "cover-value",
                f"is MCP {earlier.mcp}'s workbook; its answers cannot prepopulate {mcp}'s template",
                file=display,
                sheet="Cover",
            )
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return prepopulate(sub, tuple(counties), earlier, source=display, sha256=digest)
