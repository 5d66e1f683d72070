"""One road for "how a value is written in this language": the dashboard asks the session's
:class:`render.language.Language` (``ctx.language``), as the documents do.

The pages (``app_pages/``) and the dashboard kit (``ui/``) never call the bare formats of
:mod:`render.format` or the catalog look-ups of :mod:`render.i18n` with a language code: a number,
percentage, date, month or name written there is the one the briefing PDF and the exports write.
"""

from __future__ import annotations

import ast

import pytest

from render.language import Language
from tests.conftest import ROOT

#: The bare functions that take a language code, each with the Language method that replaces it.
BARE = {
    "fmt_int": "int",
    "fmt_number": "number",
    "fmt_pct": "pct",
    "fmt_signed": "signed",
    "fmt_value": "value",
    "fmt_date": "date",
    "fmt_month": "month",
    "month_label": "month",
    "translate": "t",
    "translate_value": "label",
    "localize_digits": "numerals",
    "display_names": "names",
}


#: The modules they come from.
MODULES = {"render.format", "render.i18n", "render.language"}


def _bare_calls(source: str) -> list[tuple[int, str]]:
    """(line, function) of every use in ``source`` of a :data:`BARE` function of :data:`MODULES`,
    by its imported name (``fmt_pct(…)``, ``partial(fmt_pct, …)``) or through its module
    (``format.fmt_pct(…)``)."""
    tree = ast.parse(source)
    functions: dict[str, str] = {}  # local name → function
    modules: set[str] = set()  # local names of the modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MODULES:
            for alias in node.names:
                if alias.name in BARE:
                    functions[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "render":
            modules |= {a.asname or a.name for a in node.names if f"render.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name in MODULES and a.asname}
    found = []
    for node in ast.walk(tree):
        # a call or any other use (``partial(fmt_number, lang=...)``, ``map(fmt_int)``)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in functions:
            found.append((node.lineno, functions[node.id]))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in BARE
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append((node.lineno, node.attr))
    return found


def test_the_dashboard_writes_values_through_its_language() -> None:
    files = [ROOT / "app.py", *sorted((ROOT / "app_pages").rglob("*.py"))]
    files += sorted((ROOT / "ui").rglob("*.py"))
    calls = [
        f"{path.relative_to(ROOT)}:{line} {name}(…, lang) → language.{BARE[name]}(…)"
        for path in files
        for line, name in _bare_calls(path.read_text(encoding="utf-8"))
    ]
    assert not calls, "\n".join(calls)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from render.format import fmt_pct\nfmt_pct(v, ctx.lang)", [(2, "fmt_pct")]),
        ("from render import format as fmt\nx = fmt.fmt_int(v, lang)", [(2, "fmt_int")]),
        ("from render.i18n import translate as tr\ntr('a.b', lang, n=1)", [(2, "translate")]),
        (
            "from render.language import display_names\ndisplay_names(f, 'name', lang)",
            [(2, "display_names")],
        ),
        ("from geodata.uploads.checks import month_label\nmonth_label(p, 'jalali')", []),
        ("from render.format import fmt_number\npartial(fmt_number, lang=x)", [(2, "fmt_number")]),
        ("ctx.language.pct(v)\nctx.t('a.b')", []),
    ],
)
def test_the_check_sees_a_bare_use(source: str, expected: list[tuple[int, str]]) -> None:
    assert _bare_calls(source) == expected


def test_every_bare_function_has_its_method() -> None:
    assert all(callable(getattr(Language, method)) for method in BARE.values())
