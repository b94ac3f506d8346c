"""litscan: test claims about the geography of AI research against OpenAlex."""

from litscan.errors import LitscanError

__version__ = "0.1.0"

__all__ = ["LitscanError", "__version__"]
