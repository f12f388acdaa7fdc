"""Views: results turned into what people read, without touching a file or a stream.

Why apart from ``io/``: an adapter reads or writes files (YAML, CSV, workbooks, the terminal's
encoding); a view is a pure function of a result (a table, its CSV rows, a markdown comment), so
it can be tested on its own and every command's ``--format`` is a view of the same outcome.

* ``render``: terminal tables (plain text fitted to a width; rich only for wide characters) and
  the CSV rows of allocate, score, pool and run;
* ``diff``: ``ipp diff``'s tables, CSV and pull-request markdown;
* ``review``: ``ipp review``'s tables, CSV and letters;
* ``program``: ``ipp program``'s tables and CSV.

The workbook views (the report's and the template's sheets) are built as sheet models in
``io/report.py``, ``io/program_report.py`` and ``io/template.py``, next to the writers that save them.
Views import ``core`` only (and one another), never an ``io`` adapter.
"""
