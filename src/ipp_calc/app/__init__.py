"""The application layer: one module per command, each a function from typed inputs to an
:class:`~ipp_calc.app.outcome.Outcome`.

Why a layer of its own: what a command *does* (which files it reads, which engine it calls, which
notes and findings it reports) used to live in three places (``cli.py``, ``io/year_loader.py``,
``io/diffrun.py``). Here each command has one home, typed end to end, and the CLI is only options
plus one delivery function (:func:`ipp_calc.cli.deliver`: format, ``-o``, exit code).

Layers, imports flowing one way::

    cli.py  →  app/  →  io/ (adapters: files in and out)  →  core/  →  errors
                    →  views/ (results to tables, CSV, markdown) ↗

(``tests/test_layers.py`` holds every module to this.)

How to add a command ``ipp frob``:

1. ``app/frob.py``: ``def frob(..typed inputs..) -> Outcome``. Read inputs with the ``io`` adapters,
   compute with ``core``, and return ``Outcome(document=..., views={...}, notes=..., findings=...,
   inputs=...)``. Views are zero-argument callables so nothing is rendered that is not asked for.
   Bad input raises :class:`ipp_calc.errors.InputError` (exit 2); findings make exit 1.
2. ``cli.py``: a typer function with the options, calling ``deliver(frob(...), format, output)``;
   a few lines.
3. Golden output in ``tests/golden/`` (add a case to ``tests/test_golden.py``) and CLI tests.
"""
