"""Shared options are declared once (options.SHARED_OPTIONS) and everything is made from it.

Every public function that takes a shared option shows the declared numpydoc entry in its
``__doc__`` (or names the option in ``__shared_own__`` with the reason its meaning differs);
no default of a shared option is spelled outside ``options.py``; every ``vpnlog`` flag of a
shared option carries the declared default and help.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vpnlog_analytics import cli
from vpnlog_analytics.options import SHARED_OPTIONS, SharedOption, shared_doc

PACKAGE = Path(__file__).resolve().parents[1] / "vpnlog_analytics"
#: The packages whose public functions must render the shared text.
LAYERS = (
    "vpnlog_analytics.analysis",
    "vpnlog_analytics.plotting",
    "vpnlog_analytics.report",
    "vpnlog_analytics.widgets",
    "vpnlog_analytics.aws",
)
#: Parameter names of the shared options (``start``/``end`` of the window, ...).
SHARED_PARAMS = {p for option in SHARED_OPTIONS.values() for p in option.params}


def _public_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    seen: set[int] = set()
    for name in LAYERS:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            found: list[tuple[str, Callable[..., object]]] = []
            if inspect.isfunction(obj):
                found.append((f"{name}.{attr}", obj))
            elif inspect.isclass(obj):
                found += [
                    (f"{name}.{attr}.{k}", v)
                    for k, v in vars(obj).items()
                    if inspect.isfunction(v) and not k.startswith("_")
                ]
            for qualname, func in found:
                if id(func) not in seen:
                    seen.add(id(func))
                    yield qualname, func


def _expected(func: Callable[..., object], param: inspect.Parameter) -> SharedOption:
    """Return the declaration a parameter of ``func`` must render."""
    if param.name == "events":
        takes_context = "Context" in str(param.annotation) or "EventsLike" in str(param.annotation)
        return SHARED_OPTIONS["events" if takes_context else "events_table"]
    if param.name in ("start", "end"):
        if func.__module__.startswith("vpnlog_analytics.aws"):
            return SHARED_OPTIONS["aws_window"]
        # functions that require a metrics table take their default window from it
        metrics = inspect.signature(func).parameters.get("metrics")
        on_metrics = metrics is not None and metrics.default is inspect.Parameter.empty
        return SHARED_OPTIONS["metric_window" if on_metrics else "window"]
    return SHARED_OPTIONS[param.name]


CASES = [
    pytest.param(func, param, id=f"{qualname}-{param.name}")
    for qualname, func in _public_functions()
    for param in inspect.signature(func).parameters.values()
    if param.name in SHARED_PARAMS
]


def test_cases_found() -> None:
    """The enumeration sees the functions it is about (not an empty parametrisation)."""
    names = {case.id for case in CASES}
    assert len(CASES) > 80
    for case in ("outages-stale_after", "fetch_logs-boto3_session", "build_report-margin"):
        assert any(n.endswith(case) for n in names), case


@pytest.mark.parametrize(("func", "param"), CASES)
def test_docstring_renders_the_declared_text(
    func: Callable[..., object], param: inspect.Parameter
) -> None:
    own = getattr(func, "__shared_own__", None)
    assert own is not None, f"{func.__qualname__} is not decorated with @shared_doc()"
    if param.name in own:
        assert own[param.name], "an own wording needs its reason"
        return
    option = _expected(func, param)
    doc = inspect.cleandoc(func.__doc__ or "")
    assert "{params." not in doc
    entry = re.search(rf"^{re.escape(option.name)} : .*$", doc, re.MULTILINE)
    assert entry, f"{func.__qualname__}: no entry {option.name!r}"
    assert textwrap.indent(option.description, "    ") in doc, (
        f"{func.__qualname__}: {param.name} does not say the declared text"
    )
    if option.numpydoc not in doc:  # own type line ({params.x.desc}): still names the default
        default = option.type.partition("default ")[2]
        assert default in entry[0], entry[0]


def test_shared_doc_fills_and_indents() -> None:
    @shared_doc(own={"start": "because"})
    def f(events: object, *, stale_after: object = None) -> None:
        """Do nothing.

        Parameters
        ----------
        {params.events_table}
        {params.stale_after}
            One more sentence.
        """

    doc = inspect.cleandoc(f.__doc__ or "")
    assert SHARED_OPTIONS["stale_after"].numpydoc + "\n    One more sentence." in doc
    assert SHARED_OPTIONS["events_table"].numpydoc in doc
    assert f.__shared_own__ == {"start": "because"}  # type: ignore[attr-defined]


def test_unknown_placeholder_fails_at_import() -> None:
    with pytest.raises(KeyError):

        @shared_doc()
        def f() -> None:
            """Do nothing.

            {params.no_such_option}
            """


# --- defaults spelled once ---------------------------------------------------------------------


def _docstring_nodes(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _literal_defaults() -> Iterator[str]:
    """Yield every place outside options.py that spells a shared option's default."""
    defaults = {
        name: option.default
        for option in SHARED_OPTIONS.values()
        for name in option.params
        if isinstance(option.default, str)
    }
    with_default = {
        name
        for option in SHARED_OPTIONS.values()
        if option.default is not None
        for name in option.params
    }
    distinctive = set(defaults.values()) - {"15min"}  # "15min" is also a slider step
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "options.py" and path.parent == PACKAGE:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        docs = _docstring_nodes(tree)
        where = path.relative_to(PACKAGE)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                pairs = list(zip(args.args[::-1], args.defaults[::-1], strict=False))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
                for arg, default in pairs:
                    if (
                        arg.arg in with_default
                        and isinstance(default, ast.Constant)
                        and default.value is not None
                    ):
                        yield f"{where}:{default.lineno}: {arg.arg}={default.value!r}"
            elif isinstance(node, ast.Call):
                for kw in node.keywords:
                    value = kw.value
                    if not isinstance(value, ast.Constant):
                        continue
                    if kw.arg in defaults and value.value == defaults[kw.arg]:
                        yield f"{where}:{value.lineno}: {kw.arg}={value.value!r}"
                    flags = [a.value for a in node.args if isinstance(a, ast.Constant)]
                    shared_flag = any(
                        f.flag in flags for o in SHARED_OPTIONS.values() for f in o.cli
                    )
                    if kw.arg == "default" and shared_flag:
                        yield f"{where}:{value.lineno}: {flags} default={value.value!r}"
            elif (
                isinstance(node, ast.Constant)
                and id(node) not in docs
                and node.value in distinctive
            ):
                yield f"{where}:{node.lineno}: {node.value!r}"


def test_no_default_literal_outside_options() -> None:
    assert list(_literal_defaults()) == []


# --- the CLI -------------------------------------------------------------------------------------


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _normal(text: str) -> str:
    return " ".join(text.split())


FLAG_CASES = [
    pytest.param(command, key, flag, id=f"{command}-{flag.flag}")
    for command, p in _subparsers().items()
    for key, option in SHARED_OPTIONS.items()
    for flag in option.cli
    if flag.flag in p._option_string_actions
]


def test_flag_cases_found() -> None:
    flags = {(case.values[0], case.values[2].flag) for case in FLAG_CASES}  # type: ignore[union-attr]
    for expected in (
        ("outages", "--margin"),
        ("maintenance", "--margin"),
        ("report", "--min-duration"),
        ("bgp", "--min-duration"),
        ("summary", "--stale-after"),
        ("fetch", "--from"),
        ("fetch", "--region"),
    ):
        assert expected in flags


@pytest.mark.parametrize(("command", "key", "flag"), FLAG_CASES)
def test_cli_flag_is_made_from_the_declaration(command: str, key: str, flag: object) -> None:
    p = _subparsers()[command]
    option = SHARED_OPTIONS[key]
    assert flag in option.cli
    action = p._option_string_actions[flag.flag]  # type: ignore[attr-defined]
    assert action.dest == flag.dest  # type: ignore[attr-defined]
    assert action.help == flag.help  # type: ignore[attr-defined]
    if key != "routing":  # the routing default is a state value of schema
        assert action.default is option.default
    assert _normal(flag.help) in _normal(p.format_help())  # type: ignore[attr-defined]


def test_flags_are_not_spelled_in_cli() -> None:
    """``add_argument("--margin", ...)`` appears nowhere: the flags come from options."""
    tree = ast.parse((PACKAGE / "cli.py").read_text())
    shared = {f.flag for o in SHARED_OPTIONS.values() for f in o.cli}
    spelled = [
        (node.lineno, arg.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_argument"
        for arg in node.args
        if isinstance(arg, ast.Constant) and arg.value in shared
    ]
    assert spelled == []
