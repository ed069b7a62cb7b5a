"""The compliance / postmortem report: one folder with HTML, Markdown, CSV, charts, manifest.

:func:`build_report` runs the analyses over a window and writes everything an incident
review or an audit needs; nothing in the page needs the network to be viewed.
"""

from __future__ import annotations

from .build import Report, build_report

__all__ = ["Report", "build_report"]
