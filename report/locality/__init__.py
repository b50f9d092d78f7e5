"""locality: cache-locality benchmarks, their result files and their report."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("locality")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

SCHEMA_VERSION = 1

__all__ = ["__version__", "SCHEMA_VERSION"]
