"""Jupyter: an interactive explorer of the events table, and result tables made readable.

:func:`explore` needs ipywidgets, from the notebook extra
(``pip install "vpnlog-analytics[notebook]"``); it is imported only when the explorer is
built, so importing this package (and the package above) works without it. :func:`show`
needs only pandas (and jinja2, which pandas' Styler uses and Jupyter ships).

The explorer consumes the analysis, plotting and presentation layers only: every number is
a result of :mod:`vpnlog_analytics.analysis`, every chart one of
:mod:`vpnlog_analytics.plotting`, every cell formatted by :mod:`vpnlog_analytics.present`.
Its parts: :mod:`.show` (readable tables), :mod:`.window` (the date-range steps),
:mod:`.views` (what each tab shows for a selection), :mod:`.markers` (event marks on the
timeline), :mod:`.explorer` (controls, rendering, export).
"""

from __future__ import annotations

from .explorer import NOTEBOOK_EXTRA, Explorer, explore
from .show import MAX_ROWS, show
from .views import ALL, TABS, Selection, View

__all__ = [
    "ALL",
    "MAX_ROWS",
    "NOTEBOOK_EXTRA",
    "TABS",
    "Explorer",
    "Selection",
    "View",
    "explore",
    "show",
]
