"""One rule for times and options in every layer; one set of formatting rules for tables."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

import vpnlog_analytics as vl
from vpnlog_analytics import options, present
from vpnlog_analytics.cli import main
from vpnlog_analytics.errors import OptionError

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
INSIGHTS = SAMPLES / "insights-2026-10-21.csv"
NAIVE = dt.datetime(2026, 10, 21, 9, 0)


@pytest.fixture(scope="module")
def day() -> pd.DataFrame:
    return vl.read_logs(INSIGHTS)


def test_to_utc_one_rule() -> None:
    assert options.to_utc("2026-10-21 09:30") == pd.Timestamp("2026-10-21 09:30", tz="UTC")
    assert options.to_utc("2026-10-21T11:30+02:00") == pd.Timestamp("2026-10-21 09:30", tz="UTC")
    aware = dt.datetime(2026, 10, 21, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert options.to_utc(aware) == pd.Timestamp("2026-10-21 13:30", tz="UTC")
    for bad, message in ((NAIVE, "no time zone"), ("soon", "not a time"), (5, "not a time")):
        with pytest.raises(OptionError, match=message):
            options.to_utc(bad, "start")


def test_default_window_is_the_span_widened_outward() -> None:
    times = pd.Series(pd.to_datetime(["2026-10-01 00:00:03", "2026-10-04 23:59:59"], utc=True))
    assert options.default_window(times) == (
        pd.Timestamp("2026-10-01 00:00:03", tz="UTC"),
        pd.Timestamp("2026-10-05 00:00:00", tz="UTC"),  # last + 1 s
    )
    assert options.default_window(times, align="1D") == (
        pd.Timestamp("2026-10-01", tz="UTC"),
        pd.Timestamp("2026-10-05", tz="UTC"),
    )
    assert options.default_window(times.iloc[:0]) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda e, _: vl.outages(e, start=NAIVE),
        lambda e, _: _plot(e),
        lambda e, tmp: vl.build_report(e, tmp / "report", start=NAIVE, end=None),
        lambda e, tmp: vl.read_parquet(_dataset(tmp), start=NAIVE),
    ],
    ids=["analysis", "plotting", "report", "parquet"],
)
def test_naive_datetime_objects_are_refused_in_every_layer(
    day: pd.DataFrame, call, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match="no time zone"):
        call(day, tmp_path)


def _dataset(tmp: Path) -> Path:
    vl.to_parquet(INSIGHTS, tmp / "events.parquet")
    return tmp / "events.parquet"


def _plot(events: pd.DataFrame) -> object:
    from vpnlog_analytics.plotting import plot_timeline

    return plot_timeline(events, start=NAIVE)


def test_check_choice_lists_the_allowed_values_everywhere(day: pd.DataFrame) -> None:
    from vpnlog_analytics.plotting import plot_flap_heatmap

    for call, allowed in (
        (lambda: vl.read_logs(INSIGHTS, errors="ignore"), "'raise', 'skip'"),
        (lambda: vl.outages(day, level="tunnels"), "'tunnel', 'connection'"),
        (lambda: plot_flap_heatmap(vl.flap_frequency(day), by="week"), "'day', 'hour'"),
    ):
        with pytest.raises(OptionError, match="is not valid; choose one of") as info:
            call()
        assert allowed in str(info.value)


def test_cells_read_the_same_on_page_notebook_and_terminal(day: pd.DataFrame) -> None:
    """One connection outage of the samples: 2026-10-21 09:43:18 for 17 min 05 s (dpd)."""
    table = vl.outages(day, level="connection")
    page = present.format_table(table)
    assert page.iloc[0].tolist() == [
        "vpn-2a7c306a956842b51",
        "2026-10-21 09:43:18",
        "2026-10-21 10:00:23",
        "17 min 05 s",
        "no",
        "dpd_timeout: DPD timeout (peer silent)",
        "17 min 04 s",  # silent: from the second DPD record to the renegotiation at 10:00:22
        "2026-10-21 09:40:05",  # the last sign of life before the outage (a rekey)
    ]
    assert list(page.columns) == [
        "vpn connection id",
        "start (UTC)",
        "end (UTC)",
        "duration",
        "ongoing",
        "cause",
        "silent",
        "last alive (UTC)",
    ]
    html = vl.show(table).to_html()
    for cell in page.iloc[0].tolist():
        assert f">{cell}<" in html
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["outages", str(INSIGHTS), "--level", "connection"]) == 0
    for cell in page.iloc[0].tolist():
        assert cell in out.getvalue()


def test_rates_are_percent_in_tables_and_fractions_in_exports(day: pd.DataFrame) -> None:
    avail = vl.availability(day, start="2026-10-21", end="2026-10-22")
    row = avail.iloc[0]  # c1: its 1025 s outage over the observed part of the day
    value = float(row["availability"])
    assert row["downtime"] == pd.Timedelta("1025s")
    assert value == pytest.approx(1 - 1025 / row["observed"].total_seconds())
    text = f"{value * 100:.4f}"
    assert present.format_table(avail)["availability"].iloc[0] == f"{text} %"
    assert present.format_table(avail, headers="terminal")["availability_%"].iloc[0] == text
    out = io.StringIO()
    with redirect_stdout(out):
        main(["availability", str(INSIGHTS), "--from", "2026-10-21", "--to", "2026-10-22"])
    assert "availability_%" in out.getvalue() and text in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        main(["availability", str(INSIGHTS), "--from", "2026-10-21", "--to", "2026-10-22",
              "--format", "json"])  # fmt: skip
    assert json.loads(out.getvalue())[0]["availability"] == pytest.approx(value)


def test_format_rules() -> None:
    assert present.format_duration(pd.Timedelta("1D 2h 3min")) == "1 d 2 h"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # Rounded to the smaller unit shown, never truncated (issue 22: "30 d 21 h" was
        # printed for 30 d 21:58:45, "5 h 04 min" for 5:04:41).
        (pd.Timedelta("30D 21:58:45"), "30 d 22 h"),
        (pd.Timedelta("5:04:41"), "5 h 05 min"),
        (pd.Timedelta("5:04:29"), "5 h 04 min"),
        # A rounding that carries moves up a unit.
        (pd.Timedelta("0:59:59.6"), "1 h 00 min"),
        (pd.Timedelta("23:59:31"), "1 d 0 h"),
        (59.6, "1 min 00 s"),
        (0.4, "0 s"),
        (-61, "-1 min 01 s"),
    ],
)
def test_format_duration_rounds(value: object, text: str) -> None:
    assert present.format_duration(value) == text


def test_format_spans() -> None:
    assert present.format_span("1h") == "1 h" and present.format_span("120s") == "120 s"
    assert present.format_span("30min") == "30 min"
    assert present.sla_text(0.9995) == "99.95 %"
    assert present.format_count(19903) == "19,903" and present.format_count(pd.NA) == ""
    assert present.cause_text("unexplained") == "unexplained"
    assert present.cause_label("psk_mismatch, dpd_timeout") == (
        "pre-shared key mismatch, DPD timeout (peer silent)"
    )
    assert vl.catalog.EVENT_LABELS["packet_sent"] == "packet sent"
    assert set(vl.schema.EVENT_NAMES) == set(vl.catalog.EVENT_LABELS)


def test_report_states_the_parameters_it_used(day: pd.DataFrame, tmp_path: Path) -> None:
    rep = vl.build_report(
        day,
        tmp_path,
        start="2026-10-21",
        end="2026-10-22",
        cause_lookback="300s",
        min_flaps=4,
        flap_window="30min",
        incident_gap="90s",
        collision_threshold=0.2,
        min_duration="60s",
    )
    p = rep.manifest["parameters"]
    assert p["cause_lookback_s"] == 300 and p["collision_incident_gap_s"] == 90
    assert p["flapping_episode"] == {"min_flaps": 4, "window_s": 1800}
    assert p["collision_threshold"] == 0.2 and p["min_duration_s"] == 60
    md = rep.markdown.read_text()
    assert "at most 300 s before" in md and "at least 4 flaps within 30 min" in md
    assert "within 90 s of each other" in md and "above 20 % the diagnosis" in md
    assert "120 s" not in md


def test_s3_is_one_registered_remote_and_others_can_be_added(
    day: pd.DataFrame, tmp_path: Path
) -> None:
    assert "s3" in vl.io.REMOTE_LISTERS  # wired by the package, io imports no aws
    data = INSIGHTS.read_bytes()

    class Obj:
        name = "mem://bucket/insights-2026-10-21.csv"

        def read(self) -> bytes:
            return data

    seen = []

    def lister(uri: str, session: object) -> list[Obj]:
        seen.append((uri, session))
        return [Obj()]

    vl.io.register_remote("mem", lister)
    try:
        events = vl.read_logs("mem://bucket/", boto3_session="s")
    finally:
        del vl.io.REMOTE_LISTERS["mem"]
    assert seen == [("mem://bucket/", "s")]
    assert len(events) == len(day)
    with pytest.raises(vl.SourceError, match="cannot read mem:// sources"):
        vl.read_logs("mem://bucket/")


def test_raw_key_map_covers_every_key_the_loader_reads() -> None:
    from vpnlog_analytics.io import records

    read = set(records._SCHEMA.names) - {"message"}  # BGP route fields sit under message
    read |= set(records._MESSAGE_TYPE.names) - {"details"}
    assert read <= set(vl.schema.RAW_KEYS)
    assert set(vl.schema.RAW_KEYS.values()) - {vl.schema.TUNNEL_KEYS} <= set(
        vl.schema.EVENT_COLUMNS
    )
    assert records.KEY_ALIASES is vl.schema.RAW_KEY_ALIASES


def test_cause_lookback_default_is_an_object_of_its_own() -> None:
    """A Timedelta built once: "not passed" is this very object, and the docs say "120s"."""
    default = options.DEFAULT_CAUSE_LOOKBACK
    assert default == pd.Timedelta("120s") and default is not pd.Timedelta(seconds=120)
    assert options.SHARED_OPTIONS["cause_lookback"].type.endswith('default "120s"')
    assert options.SHARED_OPTIONS["stale_after"].type.endswith('default "75min"')
    assert options.SHARED_OPTIONS["flap_window"].type.endswith('default "1h"')
