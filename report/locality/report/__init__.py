"""The report: load -> tidy -> summarise -> check -> plot -> write.

- load: read result files, validate them against the results contract
  (the JSON Schema locality/result.schema.json).
- tidy: flatten them into one table, one row per benchmark repetition.
- summary: one point per series, case and size: its statistic and interval.
- checks: each family's claims evaluated against the points (hooks: the few
  that need code).
- plot: build matplotlib figures (no I/O); styles: for screen, print, slides.
- document, tables, html: captions, tables and pages; write, output: files.
"""

# Loaded on first use: `python -m locality.report` installs its signal
# handlers before pandas and matplotlib load (seconds on a busy machine).
import sys
import types

_EXPORTS = {"ResultFile": "load", "ResultFileError": "load", "load_result": "load", "load_results": "load",
            "schema_path": "load", "Summary": "summary", "tidy": "tidy"}


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"locality.report.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'locality.report' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """Once loaded, the submodule `tidy` would be set as an attribute of
    this package and hide the function `tidy` that the package exports."""

    def __setattr__(self, name, value):
        if name == "tidy" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
