"""The one place the product's version is written (pyproject.toml reads it from here)."""

__version__ = "0.1.0"
