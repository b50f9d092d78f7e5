"""The report: load -> tidy -> plot -> write.

- load: read result files, validate them against the results contract.
- tidy: flatten them into one table, one row per benchmark run and repetition.
- plot: build matplotlib figures from that table (no I/O).
- write: save figures into a folder and return the paths written.
"""

from locality.report.load import ResultFile, ResultFileError, load_result, load_results
from locality.report.tidy import tidy

__all__ = ["ResultFile", "ResultFileError", "load_result", "load_results", "tidy"]
