"""facilitator: run citizen consultations from the terminal."""

__version__ = "0.1.0"
