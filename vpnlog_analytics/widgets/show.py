"""``show``: a result table styled for reading in a notebook (the rules of :mod:`...present`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ..present import formatters, header

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["MAX_ROWS", "show"]

#: Rows of a table rendered in the page; exports always hold every row.
MAX_ROWS: Final = 200
#: Background and text colours of severities (the plotting palette, light enough to read).
SEVERITY_CSS: Final = {
    "error": "background-color: #CC79A7; color: #000000; font-weight: bold",
    "warning": "background-color: #F5C765; color: #000000",
    "info": "background-color: #E8F1F8; color: #000000",
}
BAD_CSS: Final = "background-color: #F6C9B0"


def show(
    table: pd.DataFrame,
    *,
    max_rows: int | None = MAX_ROWS,
    caption: str | None = None,
) -> Styler:
    """Return a result table styled for reading in a notebook.

    Cells read as in the report and the ``vpnlog`` command (:mod:`vpnlog_analytics.present`):
    durations as people say them (``17 min 05 s``), times UTC without the offset and their
    column headers say ``(UTC)``, fractions such as ``availability``, ``up_share`` and
    ``collision_rate`` are percentages, ``cause`` gets its plain-language name. Here also
    ``severity`` cells are coloured (errors bold), and what needs attention is shaded:
    ``sla_met`` no, a ``service_credit`` above 0, ``ongoing`` yes. The data are not
    changed: ``show(t).data`` is the table (its first ``max_rows``).

    Parameters
    ----------
    table : pandas.DataFrame
        Any result of the analysis functions (or the events table).
    max_rows : int, optional
        Rows rendered (the first ones; the caption says how many there are); None: all.
    caption : str, optional
        Title above the table.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML when it is the last expression of a cell.

    Examples
    --------
    >>> show(outages(events, level="connection"))  # doctest: +SKIP
    """
    if not isinstance(table, pd.DataFrame):
        raise OptionError(f"show() takes a DataFrame, not {type(table).__name__}")
    total = len(table)
    shown = table if max_rows is None or total <= max_rows else table.head(max_rows)
    if max_rows is not None and total > max_rows:
        note = f"first {max_rows} of {total} rows"
        caption = f"{caption} ({note})" if caption else note
    styler = shown.style.format(formatters(shown), na_rep="").hide(axis="index")
    styler = styler.format_index(lambda c: header(c, shown), axis="columns")
    if s.SEVERITY in shown.columns:
        styler = styler.map(lambda v: SEVERITY_CSS.get(str(v), ""), subset=[s.SEVERITY])
    for col, bad in ((s.SLA_MET, False), (s.ONGOING, True)):
        if col in shown.columns:
            styler = styler.map(
                lambda v, bad=bad: BAD_CSS if not pd.isna(v) and bool(v) is bad else "",
                subset=[col],
            )
    if s.SERVICE_CREDIT in shown.columns:
        styler = styler.map(_credit_css, subset=[s.SERVICE_CREDIT])
    styler = styler.set_table_styles(
        [
            {"selector": "th", "props": "text-align: left; white-space: nowrap"},
            {"selector": "td", "props": "text-align: left; vertical-align: top"},
            {"selector": "caption", "props": "caption-side: top; text-align: left"},
        ],
        overwrite=False,
    )
    if caption:
        styler = styler.set_caption(caption)
    return styler


def _credit_css(value: Any) -> str:
    return BAD_CSS if not pd.isna(value) and value > 0 else ""
