"""Write a report folder whole or not at all: stage it beside the target, then swap it in.

A report is written into ``.<name>.staging-<token>`` beside the target (same parent, so
the swap is a rename on one file system) and swapped in at the end: the previous report
is renamed to ``.<name>.previous-<token>``, the new one renamed to the target, the aside
copy removed. The target therefore holds one complete report, the previous one, or (for
the instant between the two renames) nothing; never a mix.

What a killed run leaves is put right by the next run into the same target, under a lock
on the parent folder: an aside copy with no target is renamed back (the previous report
returns), one beside a target is removed, and staging folders whose writer is gone are
removed. Only folders with our names that hold our marker or our manifest (or nothing)
are touched; anything else is left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any, Final

from ..errors import VpnLogError

try:  # POSIX; elsewhere runs into one target are not locked against each other
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["MANIFEST", "GENERATOR", "prepare_target", "sha256_of", "staged"]

log = logging.getLogger(__name__)

MANIFEST: Final = "manifest.json"
GENERATOR: Final = "vpnlog-analytics"
#: The file a staging folder holds from its first instant until the swap.
MARKER: Final = ".vpnlog-report-staging"
_STAGING: Final = "staging"
_PREVIOUS: Final = "previous"
#: Files a file browser leaves in a folder it showed; a report folder may hold them.
_BROWSER_FILES: Final = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}


def _manifest(folder: Path) -> dict[str, Any] | None:
    """Return the folder's manifest if this package wrote it, else None."""
    try:
        content = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("generator") != GENERATOR:
        return None
    return content


def _listed(manifest: dict[str, Any]) -> set[str]:
    return {str(o.get("path")) for o in manifest.get("outputs") or []} | {MANIFEST}


def _kind(target: Path) -> str:
    """Return what the target is: absent, empty, report (ours, nothing else in it) or foreign."""
    if not target.exists():
        return "absent"
    if not target.is_dir():
        raise VpnLogError(f"{target}: is a file, not a report folder; give a folder name")
    found = _files(target)
    if not found and not any(target.iterdir()):
        return "empty"
    manifest = _manifest(target)
    if manifest is None:
        examples = ", ".join(sorted(found)[:3]) or "empty subfolders"
        raise VpnLogError(
            f"{target}: not a report folder written by vpnlog-analytics (it holds {examples}"
            f"{', …' if len(found) > 3 else ''}); a report replaces its folder whole, so "
            "choose another output folder or empty this one"
        )
    extra = sorted(f for f in found - _listed(manifest) if Path(f).name not in _BROWSER_FILES)
    if extra:
        raise VpnLogError(
            f"{target}: a report folder that also holds files the report did not write "
            f"({', '.join(extra[:3])}{', …' if len(extra) > 3 else ''}); a report replaces "
            "its folder whole, so move them away or choose another output folder"
        )
    return "report"


@contextlib.contextmanager
def _deferred_sigint() -> Iterator[None]:
    """Hold Ctrl-C back until the block is done (renames and removals run to the end)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # KeyboardInterrupt is only ever raised in the main thread
        return
    caught: list[tuple[int, FrameType | None]] = []
    previous = signal.signal(signal.SIGINT, lambda n, f: caught.append((n, f)))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
        if caught:
            if callable(previous):
                previous(*caught[0])
            elif previous != signal.SIG_IGN:
                raise KeyboardInterrupt


@contextlib.contextmanager
def _parent_lock(parent: Path) -> Iterator[None]:
    """Serialise recovery and swaps of runs into one parent folder (POSIX ``flock``)."""
    if fcntl is None:
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # a file system without locks: run unlocked
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _aside_name(target: Path, what: str) -> Path:
    return target.parent / f".{target.name}.{what}-{secrets.token_hex(4)}"


def _new_folder(target: Path, what: str) -> Path:
    """Create a folder of a fresh name of ours beside the target (the umask's permissions)."""
    while True:
        folder = _aside_name(target, what)
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder


def _ours(target: Path, what: str) -> Iterator[Path]:
    pattern = re.compile(rf"\.{re.escape(target.name)}\.{what}-[0-9a-f]{{8}}")
    for p in sorted(target.parent.iterdir()):
        if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
            yield p


def _writer_alive(staging: Path) -> bool:
    """Tell whether the run that made a staging folder still holds its marker's lock."""
    if fcntl is None or not (staging / MARKER).is_file():
        return False
    with (staging / MARKER).open("rb") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
    return False


def _remove(folder: Path) -> None:
    """Remove a folder of ours, its identifying file (marker, else manifest) last.

    A removal cut short therefore still leaves a folder the next run recognises.
    """
    last = next((folder / n for n in (MARKER, MANIFEST) if (folder / n).is_file()), None)
    for child in folder.iterdir():
        if child == last:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if last is not None:
        last.unlink()
    folder.rmdir()


def _recognised(folder: Path) -> bool:
    return (folder / MARKER).is_file() or _manifest(folder) is not None or not any(folder.iterdir())


def _recover(target: Path) -> None:
    """Put right what killed runs into this target left (call under the parent lock)."""
    for staging in _ours(target, _STAGING):
        if _writer_alive(staging):
            continue  # another run is writing this one
        if _recognised(staging):
            log.info("removing %s, left by an interrupted report", staging)
            _remove(staging)
        else:
            log.warning("%s: named like a staging folder but not ours; left alone", staging)
    for aside in _ours(target, _PREVIOUS):
        if not _recognised(aside):
            log.warning("%s: named like a previous report but not ours; left alone", aside)
        elif not target.exists():  # killed between the two renames of the swap
            log.warning("%s: restoring the previous report a killed run had set aside", target)
            os.rename(aside, target)
        else:
            _remove(aside)


def prepare_target(out_dir: str | Path) -> Path:
    """Check the report folder can be replaced and recover leftovers; return its path.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The report folder: absent, empty, or a report this package wrote.

    Returns
    -------
    pathlib.Path
        The absolute target (a symbolic link to a folder is followed).

    Raises
    ------
    VpnLogError
        The target is a file, or a folder holding files the report did not write.
    """
    target = Path(os.path.abspath(Path(out_dir).expanduser()))
    if target.is_symlink():
        target = target.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VpnLogError(f"{target}: cannot create the report folder ({exc.strerror})") from exc
    with _deferred_sigint(), _parent_lock(target.parent):
        _recover(target)
        _kind(target)
    return target


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder of the staged report to disk before it is swapped in."""
    if os.name != "posix":  # pragma: no cover
        return
    for p in [*folder.rglob("*"), folder]:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap(staging: Path, target: Path) -> None:
    """Move the finished staging folder to the target, the previous report out of the way."""
    aside = None
    if _kind(target) != "absent":
        aside = _aside_name(target, _PREVIOUS)
        os.rename(target, aside)
    # From here to the next rename the target is absent; a crash here leaves the aside copy,
    # which the next run renames back.
    try:
        os.rename(staging, target)
    except BaseException:
        if aside is not None:
            os.rename(aside, target)
        raise
    if fcntl is not None:
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    if aside is not None:
        try:
            _remove(aside)
        except OSError as exc:  # the new report is in place; the next run retries
            log.warning("%s: could not remove the previous report (%s)", aside, exc)


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Yield a fresh staging folder beside ``target``; swap it in when the block ends.

    If the block raises (Ctrl-C included) the staging folder is removed and the target is
    left as it was.

    Parameters
    ----------
    target : pathlib.Path
        The report folder, from :func:`prepare_target`.

    Yields
    ------
    pathlib.Path
        The folder to write the whole report into.

    Examples
    --------
    >>> with staged(prepare_target("report")) as out:  # doctest: +SKIP
    ...     (out / "manifest.json").write_text("{}")
    """
    staging: Path | None = None
    marker: IO[bytes] | None = None
    try:
        with _deferred_sigint(), _parent_lock(target.parent):
            staging = _new_folder(target, _STAGING)
            marker = (staging / MARKER).open("wb")
            marker.write(json.dumps({"generator": GENERATOR, "pid": os.getpid()}).encode())
            marker.flush()
            if fcntl is not None:
                fcntl.flock(marker.fileno(), fcntl.LOCK_EX)  # held while this run writes
            else:  # pragma: no cover - an open file cannot be renamed on Windows
                marker.close()
        yield staging
        _fsync_tree(staging)
        with _deferred_sigint(), _parent_lock(target.parent):
            (staging / MARKER).unlink()
            _swap(staging, target)
    except BaseException:
        if marker is not None:
            marker.close()
        with _deferred_sigint():
            if staging is not None and staging.exists():
                _remove(staging)
        raise
    finally:
        if marker is not None:
            marker.close()
