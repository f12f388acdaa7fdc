"""ipp-calc: scoring and payment calculator for California's CalAIM Incentive Payment Program.

The package is split so that the money can be trusted: ``ipp_calc.core`` is a pure engine
(models, money, allocation, scoring, pool) that does no I/O; ``ipp_calc.io`` holds the thin
adapters for YAML, CSV, Excel and JSON; ``ipp_calc.cli`` is a thin typer front end.
"""

__version__ = "0.1.0"
