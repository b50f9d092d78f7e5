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

from locality.report.load import ResultFile, ResultFileError, load_result, load_results, schema_path
from locality.report.summary import Summary
from locality.report.tidy import tidy

__all__ = ["ResultFile", "ResultFileError", "Summary", "load_result", "load_results", "schema_path", "tidy"]
