"""acuback: decision support and records for acupuncture care of back pain."""

__version__ = "0.1.0"
