"""netcensus: inventory and compliance monitor for hierarchical public-sector networks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("netcensus")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
