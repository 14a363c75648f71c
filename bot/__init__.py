"""summit-bot: cited answers about the ALBA-TCP extraordinary summit of 3 February 2025."""

__version__ = "0.1.0"
