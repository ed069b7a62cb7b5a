"""Loaders: every envelope the logs arrive in, detected by content, into the events table."""

from .reader import parse_records, read_logs

__all__ = ["parse_records", "read_logs"]
