"""locality: cache-locality benchmarks, their result files and their report."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("locality")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

SCHEMA_VERSION = 2


def __getattr__(name):
    # The C++ module loads on first use, so the report works without it.
    if name in ("cases", "run", "machine", "Results", "RunInterrupted"):
        from locality import api

        return getattr(api, name)
    raise AttributeError(f"module 'locality' has no attribute {name!r}")


__all__ = ["__version__", "SCHEMA_VERSION", "cases", "run", "machine", "Results", "RunInterrupted"]
