"""voxgate: a self-hosted voice AI platform whose REST API is wire-compatible with Vapi."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("voxgate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
