"""Console for a children's behavioral-health access line."""

__version__ = "0.1.0"
