"""Revenue-leader advisor: cited decision logic over a small corpus of articles."""

__version__ = "0.1.0"
