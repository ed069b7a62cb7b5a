"""A folder's ``.vpnlogignore``: files beside the logs that are not logs, skipped quietly.

Issue 22: the samples folder made every command say "ignored 4 files". A user's folder of
logs often holds notes, a README or exported truth too; the ignore file names them once
(one glob per line), reading the folder skips them without a word on stderr, ``-v``
names them, ``attrs["excluded_files"]`` and the report's manifest list them.
"""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from conftest import DATA
from envelope_corpus import SA

from vpnlog_analytics import read_logs
from vpnlog_analytics.cli import main
from vpnlog_analytics.errors import SourceError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """One stream's 12 records (the raw fixture), a README, notes and a truth CSV."""
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    (tmp_path / "README.md").write_text("# Logs of the 20 August incident\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "ticket.txt").write_text("Customer says the tunnel dropped.\n")
    (tmp_path / "truth.csv").write_text("state,start,end\nup,2024-08-20,2024-08-21\n")
    return tmp_path


def test_without_an_ignore_file_every_other_file_is_said(folder: Path) -> None:
    code, _, err = run("summary", str(folder))
    assert code == 0 and "ignored 3 files that hold no logs" in err


def test_listed_files_are_skipped_quietly_and_named_on_request(folder: Path) -> None:
    # a comment, a blank line, a name, a glob on the name, a path below the folder
    (folder / ".vpnlogignore").write_text("# not logs\n\nREADME.md\n*.csv\nnotes/*\n")
    code, out, err = run("summary", str(folder))
    assert (code, err) == (0, "")
    assert out.startswith("12 records from 1 tunnel(s)")
    events = read_logs(folder)
    assert len(events) == 12 and events.attrs["ignored_files"] == []
    assert sorted(
        Path(p).relative_to(folder).as_posix() for p in events.attrs["excluded_files"]
    ) == [
        "README.md",
        "notes/ticket.txt",
        "truth.csv",
    ]
    assert events.attrs["files"]["excluded"] == 3 and events.attrs["files"]["read"] == 1
    _, _, err = run("summary", str(folder), "-v")
    assert err.startswith("vpnlog: did not read 3 files listed in .vpnlogignore: ")


def test_a_file_listed_but_named_on_the_command_line_is_read(folder: Path) -> None:
    """The ignore file speaks for the folder's walk, not for a file the user names."""
    (folder / ".vpnlogignore").write_text(f"{SA}.jsonl\n")
    assert len(read_logs(folder / f"{SA}.jsonl")) == 12
    (folder / ".vpnlogignore").write_text("*\n")
    with pytest.raises(SourceError, match=r"every file of the folder is listed in its "):
        read_logs(folder)


def test_the_samples_commands_say_nothing_of_their_other_files() -> None:
    code, _, err = run("summary", str(SAMPLES))
    assert (code, err) == (0, "")
    listed = {
        line
        for line in (SAMPLES / ".vpnlogignore").read_text().splitlines()
        if line and not line.startswith("#")
    }
    # every file beside the logs is listed by name, the gateway's logs by their folder,
    # and no AWS log is
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith(".")}
    logs = {p.name for p in SAMPLES.glob("insights-*.csv")}
    assert listed - {"gateway/*"} == on_disk - logs
    assert "gateway/*" in listed and any((SAMPLES / "gateway").iterdir())
