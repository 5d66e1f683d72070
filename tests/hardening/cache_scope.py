"""Static check that no shared cache can hand one session's data to another.

Streamlit's ``st.cache_data`` / ``st.cache_resource`` (and ``functools.cache``) entries are shared
by every session of the server process: two sessions that present the same key get the same
entry. A partner's session sees its own areas only (:mod:`ui.scope`), so an entry holding
workspace data must be keyed on the *scope* it was computed for. The rule checked here, over the
source code of the whole project (``tests`` and ``.venv`` aside):

1. **What a cached function may take.** No frame argument (``DataFrame``, ``GeoDataFrame``,
   ``Series``…: workspace rows handed in with no scope in the key), and no hidden input that is
   not in the key: the session (``st.session_state``, ``st.query_params``, ``st.user``,
   ``st.context``, :func:`ui.context.current`, :func:`ui.auth.current_session`).
2. **How it reads the workspace.** A cached function that reads workspace data (calls, directly,
   anything that reads a workspace: :mod:`geodata.store.workspace` and its backends, and every
   function that passes its first parameter on to one of those — computed as a fixpoint) takes
   the scope as its *first* parameter, named ``source`` or ``workspace``, and every such read in
   its body passes that parameter unchanged. The one place where a source becomes a bare path is
   the *scoping root*: a function that splits its source with :func:`ui.scope.parse_source` and
   hands the partner id to :func:`analytics.partners.restrict_to_partner` (``ui.data.tables``).
   A loader that reads the workspace some other way (``geodata.store.versions``, backups: the whole
   workspace, unfiltered) is *unrestricted*.
3. **What its callers pass.** Every call of a scoped loader (a ``ui``/``pages`` function that
   reads the workspace through a first parameter named ``source``/``workspace``) passes as that
   argument ``ctx.source``, a name bound only to ``ctx.source``, or the caller's own first
   parameter of that name (whose callers are then checked the same way); ``*args`` whose first
   item is one of those is followed. ``ctx.workspace`` (the bare path) and every call of an
   unrestricted loader are allowed only in *gated* code: a page that calls
   ``require_page(ctx, page)`` first, where :data:`ui.auth.PAGE_ROLES` keeps partners out, and
   functions used from gated code only. For every other role ``ctx.source == ctx.workspace``
   (checked by the tests), so there the two keys are the same key.

What this cannot see: data smuggled in through global state or read by a route other than the
workspace modules (an ``open()`` of the GeoPackage). The AppTest half of
``tests/hardening/test_cache_scope.py`` watches the caches at run time for that.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Names the scope parameter of a loader may have (the project's two spellings).
SOURCE_PARAMS = frozenset({"source", "workspace"})
#: The workspace modules: what reads rows (or versions) out of a workspace. Every other reader
#: is found from these (a function that passes its first parameter on to a reader reads too).
PRIMITIVE_MODULES = (
    "geodata.store.workspace",
    "geodata.store.geopackage",
    "geodata.store.postgis",
    "geodata.store.layout",
)
READ_API = frozenset(
    {
        "geodata.store.workspace.read_workspace",
        "geodata.store.workspace.read_table",
        "geodata.store.workspace.list_versions",
        "geodata.store.workspace.latest_version",
        "geodata.store.geopackage.list_versions",
        "geodata.store.workspace._reader",
        "geodata.store.geopackage.read_layer",
        "geodata.store.postgis.list_versions",
        "geodata.store.postgis.reader",
        # the newest version number, read from the workspace's version table (cheaply)
        "geodata.store.workspace.current_version",
        "geodata.store.postgis.newest_version",
        # the calendar a workspace's version was saved with: read from its version list
        "geodata.store.workspace.workspace_calendar",
    }
)
#: Functions of the workspace modules that hand back no rows (names, locations, writes): every
#: function of those modules is in one list or the other (a new one must be placed).
NOT_READ_API = frozenset(
    {
        "geodata.store.workspace.is_postgis",
        "geodata.store.workspace.workspace_location",
        "geodata.store.workspace.workspace_label",
        "geodata.store.workspace._named",
        "geodata.store.workspace._version_layers",
        "geodata.store.workspace._read_or_empty",
        "geodata.store.workspace.empty_table",
        "geodata.store.layout.restore_types",
        "geodata.store.layout.prepare_for_storage",
        "geodata.store.workspace.table_fingerprint",
        "geodata.store.geopackage.write_lock",
        "geodata.store.workspace.save_version",
        "geodata.store.workspace.restore_version",
        "geodata.store.workspace._new_version",
        "geodata.store.geopackage.new_version",
        "geodata.store.workspace._append_record",
        "geodata.store.workspace._rows",
        "geodata.store.geopackage._fsync_dir",
        "geodata.store.workspace.workspace_token",
        # a calendar name from a Version already read (no workspace argument, nothing read)
        "geodata.store.workspace.version_calendar",
        # a number of seconds from the environment
        "geodata.store.workspace.version_check_seconds",
    }
)
#: Writes hand back a version number, never rows: nothing of them goes into a cache.
WRITERS = re.compile(r"^_?(save|restore|new|write|append|create|delete|commit|reassign)")
SPLITTERS = frozenset({"ui.scope.parse_source", "ui.scope.source_path"})
RESTRICT = "analytics.partners.restrict_to_partner"
REQUIRE_PAGE = "ui.context.require_page"
CACHES = {
    "streamlit.cache_data": "cache_data",
    "streamlit.cache_resource": "cache_resource",
    "functools.cache": "functools",
    "functools.lru_cache": "functools",
}
FRAME_TYPES = frozenset(
    {"DataFrame", "GeoDataFrame", "Series", "GeoSeries", "Styler", "ndarray", "Index"}
)
#: Session state a cached function must not read (it would not be in the key).
HIDDEN = frozenset(
    {
        "streamlit.session_state",
        "streamlit.query_params",
        "streamlit.user",
        "streamlit.experimental_user",
        "streamlit.context",
        "ui.context.current",
        "ui.auth.current_session",
    }
)
#: Roles known to the app; partners are the only restricted one.
RESTRICTED_ROLE = "partner"


def project_sources(root: Path = ROOT) -> dict[str, str]:
    """Every Python file of the project (``tests`` and ``.venv`` left out): path → text."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in {".venv", "tests", "artifacts", "node_modules", ".git"}:
            continue
        out[rel] = path.read_text(encoding="utf-8")
    return out


def module_name(rel: str) -> str:
    name = rel.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


@dataclass
class Unit:
    """A body of code: a top-level function, or a module's top-level statements (pages)."""

    qualname: str
    module: str
    file: str
    node: ast.AST
    params: list[str] = field(default_factory=list)
    vararg: str | None = None
    cache: str | None = None
    cache_node: ast.AST | None = None
    session_scoped: bool = False
    _nodes: list[ast.AST] | None = field(default=None, repr=False)

    @property
    def first(self) -> str | None:
        if self.params:
            return self.params[0]
        return f"*{self.vararg}" if self.vararg else None

    @property
    def is_module(self) -> bool:
        return self.qualname.endswith(".<module>")

    def statements(self) -> list[ast.AST]:
        """Every node of this unit's own code (a module's: not inside its functions/classes)."""
        if self._nodes is None:
            if not self.is_module:
                self._nodes = list(ast.walk(self.node))
            else:
                self._nodes = []
                stack = list(ast.iter_child_nodes(self.node))
                while stack:
                    node = stack.pop()
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        continue
                    self._nodes.append(node)
                    stack.extend(ast.iter_child_nodes(node))
        return self._nodes

    def calls(self) -> list[ast.Call]:
        return [node for node in self.statements() if isinstance(node, ast.Call)]


@dataclass
class Finding:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _module_statements(tree: ast.Module) -> Iterator[ast.AST]:
    """A module's own statements, also inside ``if``/``for``/``with``/``try`` blocks (not inside
    functions or classes)."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(reversed(getattr(node, name, []) or []))


def _definitions(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Functions defined at module level (also inside ``if``/``with``… blocks) and in classes,
    with their qualname prefix; classes too (prefix ``""``)."""
    for node in _module_statements(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, ""
        elif isinstance(node, ast.ClassDef):
            yield node, ""
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield item, f"{node.name}."


def _annotation_words(annotation: ast.AST | None) -> set[str]:
    """The names an annotation is made of (quoted annotations parsed too)."""
    if annotation is None:
        return set()
    words: set[str] = set()
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                words |= _annotation_words(ast.parse(node.value, mode="eval"))
            except SyntaxError:
                words.add(node.value)
    return words


class Project:
    """The parsed project and the answers of the analysis."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.trees = {rel: ast.parse(text, filename=rel) for rel, text in sources.items()}
        self.modules = {module_name(rel): rel for rel in sources}
        self.imports: dict[str, dict[str, str]] = {}
        self.top_names: dict[str, set[str]] = {}
        self.units: dict[str, Unit] = {}
        self.decorators: set[int] = set()
        self.findings: list[Finding] = []
        self._bindings: dict[str, dict[str, list[ast.AST | None]]] = {}
        self._targets: dict[str, list[tuple[ast.Call, Unit, str]]] = {}
        for rel, tree in self.trees.items():
            self._index(rel, tree)
        self.readers: set[str] = set()
        self.restricted: set[str] = set()
        self.roots: set[str] = set()
        self.page_roles = self._page_roles()
        self.checked_calls = 0
        self._analyse()

    # ------------------------------------------------------------------ indexing

    def _index(self, rel: str, tree: ast.Module) -> None:
        module = module_name(rel)
        imports: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imports[alias.asname] = alias.name
                    else:
                        imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.imports[module] = imports
        names: set[str] = set()
        for node, prefix in _definitions(tree):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
                continue
            if not prefix:
                names.add(node.name)
            unit = Unit(f"{module}.{prefix}{node.name}", module, rel, node)
            args = node.args
            unit.params = [a.arg for a in [*args.posonlyargs, *args.args]]
            unit.vararg = args.vararg.arg if args.vararg else None
            for deco in node.decorator_list:
                self.decorators.add(id(deco))
                target = deco.func if isinstance(deco, ast.Call) else deco
                kind = CACHES.get(self.resolve(target, module) or "")
                if kind:
                    unit.cache, unit.cache_node = kind, deco
                    if isinstance(deco, ast.Call):
                        unit.session_scoped = any(
                            k.arg == "scope"
                            and isinstance(k.value, ast.Constant)
                            and k.value.value == "session"
                            for k in deco.keywords
                        )
            self.units[unit.qualname] = unit
        for node in _module_statements(tree):
            if isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.top_names[module] = names
        self.units[f"{module}.<module>"] = Unit(f"{module}.<module>", module, rel, tree)

    def resolve(self, expr: ast.AST, module: str) -> str | None:
        """The dotted name ``expr`` stands for in ``module`` (imports followed), else None."""
        if isinstance(expr, ast.Name):
            if expr.id in self.top_names.get(module, ()):
                return f"{module}.{expr.id}"
            return self.imports.get(module, {}).get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.resolve(expr.value, module)
            return f"{base}.{expr.attr}" if base else None
        return None

    def target(self, call: ast.Call, module: str) -> Unit | None:
        name = self.resolve(call.func, module)
        return self.units.get(name) if name else None

    def _page_roles(self) -> dict[str, frozenset[str]]:
        """``ui.auth.PAGE_ROLES`` read from its source (so that a changed copy is read too)."""
        tree = self.trees.get("ui/auth.py")
        roles: dict[str, frozenset[str]] = {}
        if tree is None:
            return roles
        for node in tree.body:
            value = None
            if (
                isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGE_ROLES"
            ) or (
                isinstance(node, ast.Assign)
                and any(getattr(t, "id", "") == "PAGE_ROLES" for t in node.targets)
            ):
                value = node.value
            if isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    members = item.args[0] if isinstance(item, ast.Call) and item.args else item
                    roles[ast.literal_eval(key)] = frozenset(ast.literal_eval(members))
        return roles

    # ------------------------------------------------------------------ data flow

    @staticmethod
    def first_argument(call: ast.Call, callee: Unit) -> ast.AST | None:
        if call.args:
            return call.args[0]
        for keyword in call.keywords:
            if keyword.arg is not None and keyword.arg == (callee.params or [None])[0]:
                return keyword.value
        return None

    def bindings(self, unit: Unit) -> dict[str, list[ast.AST | None]]:
        """Name → the values assigned to it in ``unit`` (None: something not followed)."""
        if unit.qualname not in self._bindings:
            self._bindings[unit.qualname] = self._bind(unit)
        return self._bindings[unit.qualname]

    @staticmethod
    def _bind(unit: Unit) -> dict[str, list[ast.AST | None]]:
        found: dict[str, list[ast.AST | None]] = {}

        def bind(target: ast.AST, value: ast.AST | None) -> None:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(value)
            elif isinstance(target, ast.Tuple | ast.List):
                items = value.elts if isinstance(value, ast.Tuple | ast.List) else None
                if items is not None and len(items) == len(target.elts):
                    for t, v in zip(target.elts, items, strict=True):
                        bind(t, v)
                else:
                    for t in target.elts:
                        bind(t, None)
            elif isinstance(target, ast.Starred):
                bind(target.value, None)

        for node in unit.statements():
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
                bind(node.target, None)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                bind(node.optional_vars, None)
            elif isinstance(node, ast.comprehension):
                bind(node.target, None)
        if not unit.is_module:
            args = unit.node.args  # type: ignore[attr-defined]
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs][1:]:
                found.setdefault(a.arg, []).append(None)
        return found

    def classify(self, expr: ast.AST | None, unit: Unit, seen: frozenset[str] = frozenset()) -> str:
        """What ``expr`` holds in ``unit``: ``source`` (the session's scope), ``forwarded``
        (``*args`` passed on), ``workspace`` (the bare path: ``ctx.workspace``), or ``unknown``."""
        if isinstance(expr, ast.Attribute) and expr.attr in ("source", "workspace"):
            if isinstance(expr.value, ast.Name) and expr.value.id == "ctx":
                return expr.attr
            return "unknown"
        if isinstance(expr, ast.Starred):
            inner = expr.value
            if isinstance(inner, ast.Name) and inner.id == unit.vararg:
                return "forwarded"
            if isinstance(inner, ast.Name):
                values = self.bindings(unit).get(inner.id, [None])
                kinds = {
                    self.classify(v.elts[0], unit, seen)
                    if isinstance(v, ast.Tuple | ast.List) and v.elts
                    else "unknown"
                    for v in values
                }
                return kinds.pop() if len(kinds) == 1 else "unknown"
            return "unknown"
        if isinstance(expr, ast.Name):
            if unit.params and expr.id == unit.params[0]:
                return "source" if expr.id in SOURCE_PARAMS else "unknown"
            if expr.id in seen:
                return "unknown"
            scope = unit
            values = self.bindings(unit).get(expr.id)
            if not values and not unit.is_module:  # not bound here: the module's global
                scope = self.units[f"{unit.module}.<module>"]
                values = self.bindings(scope).get(expr.id)
            if not values:
                return "unknown"
            kinds = {
                self.classify(v, scope, seen | {expr.id}) if v is not None else "unknown"
                for v in values
            }
            if kinds == {"source"}:
                return "source"
            if kinds <= {"source", "workspace"}:
                return "workspace"
            return "unknown"
        return "unknown"

    def _split_names(self, unit: Unit) -> tuple[set[str], set[str]]:
        """Names bound in ``unit`` to the path and the partner of its first parameter, split by
        :func:`ui.scope.parse_source` / :func:`ui.scope.source_path`."""
        paths: set[str] = set()
        partners: set[str] = set()
        first = unit.params[0] if unit.params else None
        for node in unit.statements():
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            if self.resolve(call.func, unit.module) not in SPLITTERS:
                continue
            if not (call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == first):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name):
                    paths.add(target.id)
                elif isinstance(target, ast.Tuple) and len(target.elts) == 2:
                    if isinstance(target.elts[0], ast.Name):
                        paths.add(target.elts[0].id)
                    if isinstance(target.elts[1], ast.Name):
                        partners.add(target.elts[1].id)
        return paths, partners

    def _restricts(self, unit: Unit, partners: set[str]) -> bool:
        for call in unit.calls():
            if self.resolve(call.func, unit.module) == RESTRICT:
                used = {n.id for a in call.args for n in ast.walk(a) if isinstance(n, ast.Name)}
                if used & partners:
                    return True
        return False

    def reads(self, unit: Unit) -> Iterator[tuple[ast.Call, Unit, str]]:
        """The calls in ``unit`` of workspace readers, with how the first argument is passed:
        ``param`` (the unit's own first parameter), ``split`` (its path, split off it by the
        scoping root), ``other``."""
        for call, callee, how in self._project_calls(unit):
            if callee.qualname in self.readers:
                yield call, callee, how

    def _project_calls(self, unit: Unit) -> list[tuple[ast.Call, Unit, str]]:
        """The calls in ``unit`` of project functions, with how the first argument is passed."""
        if unit.qualname in self._targets:
            return self._targets[unit.qualname]
        found: list[tuple[ast.Call, Unit, str]] = []
        paths, _ = self._split_names(unit)
        for call in unit.calls():
            callee = self.target(call, unit.module)
            if callee is None:
                continue
            arg = self.first_argument(call, callee)
            if (isinstance(arg, ast.Name) and unit.params and arg.id == unit.params[0]) or (
                isinstance(arg, ast.Starred)
                and isinstance(arg.value, ast.Name)
                and (arg.value.id == unit.vararg)
            ):
                how = "param"
            elif isinstance(arg, ast.Name) and arg.id in paths:
                how = "split"
            else:
                how = "other"
            found.append((call, callee, how))
        self._targets[unit.qualname] = found
        return found

    def _analyse(self) -> None:
        functions = [u for u in self.units.values() if not u.is_module]
        self.readers = {u.qualname for u in functions if u.qualname in READ_API}
        changed = True
        while changed:
            changed = False
            for unit in functions:
                if unit.qualname in self.readers or WRITERS.match(unit.qualname.split(".")[-1]):
                    continue
                if any(how in ("param", "split") for _, _, how in self.reads(unit)):
                    self.readers.add(unit.qualname)
                    changed = True
        # The scoping root(s): split the source, read the path, restrict to the partner.
        for unit in functions:
            _, partners = self._split_names(unit)
            split_reads = [c for c, _, how in self.reads(unit) if how == "split"]
            if split_reads and partners and self._restricts(unit, partners):
                self.roots.add(unit.qualname)
        self.restricted = set(self.roots)
        changed = True
        while changed:
            changed = False
            for unit in functions:
                name = unit.qualname
                if name in self.restricted or name not in self.readers:
                    continue
                if unit.module in PRIMITIVE_MODULES:
                    continue
                through = [(callee, how) for _, callee, how in self.reads(unit) if how == "param"]
                if through and all(c.qualname in self.restricted for c, _ in through):
                    self.restricted.add(name)
                    changed = True
        self.gated = self._gated_units()
        for unit in functions:
            if unit.cache:
                self._check_cached(unit)
        self._check_decorator_forms()
        for unit in self.units.values():
            self._check_calls(unit)

    # ------------------------------------------------------------------ gating

    def _gate_line(self, unit: Unit) -> int | None:
        """For a page module: the line of its ``require_page(ctx, "<page>")`` when that page is
        closed to partners, else None."""
        if not unit.is_module or not unit.file.startswith("app_pages/"):
            return None
        page = Path(unit.file).stem
        allowed = self.page_roles.get(page)
        if allowed is None or RESTRICTED_ROLE in allowed:
            return None
        for node in unit.node.body:  # type: ignore[attr-defined]
            call = node.value if isinstance(node, ast.Expr) else None
            if (
                isinstance(call, ast.Call)
                and self.resolve(call.func, unit.module) == REQUIRE_PAGE
                and len(call.args) >= 2
                and isinstance(call.args[1], ast.Constant)
                and call.args[1].value == page
            ):
                return node.lineno
        return None

    def _uses(self) -> dict[str, list[tuple[Unit, ast.AST]]]:
        """Every reference to each project function, with the unit it is in."""
        uses: dict[str, list[tuple[Unit, ast.AST]]] = {}
        for unit in self.units.values():
            for node in unit.statements():
                if isinstance(node, ast.Name | ast.Attribute) and isinstance(
                    getattr(node, "ctx", None), ast.Load
                ):
                    name = self.resolve(node, unit.module)
                    if name in self.units and not self.units[name].is_module:
                        if name != unit.qualname:
                            uses.setdefault(name, []).append((unit, node))
        return uses

    def _gated_units(self) -> set[str]:
        """Units whose code runs only for roles that see the whole workspace."""
        gated = {u.qualname for u in self.units.values() if self._gate_line(u) is not None}
        uses = self._uses()
        changed = True
        while changed:
            changed = False
            for unit in self.units.values():
                if unit.is_module or unit.qualname in gated:
                    continue
                found = uses.get(unit.qualname, [])
                if found and all(self.in_gated(u, n, gated) for u, n in found):
                    gated.add(unit.qualname)
                    changed = True
        return gated

    def in_gated(self, unit: Unit, node: ast.AST, gated: set[str] | None = None) -> bool:
        gated = self.gated if gated is None else gated
        if unit.qualname not in gated:
            return False
        line = self._gate_line(unit)
        return line is None or getattr(node, "lineno", 0) > line

    # ------------------------------------------------------------------ the rules

    def _add(self, unit: Unit, node: ast.AST, message: str) -> None:
        self.findings.append(Finding(unit.file, getattr(node, "lineno", 0), message))

    def _check_cached(self, unit: Unit) -> None:
        node = unit.node
        args = node.args  # type: ignore[attr-defined]
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            words = _annotation_words(a.annotation)
            if words & FRAME_TYPES and unit.first not in SOURCE_PARAMS:
                self._add(
                    unit,
                    a,
                    f"cached {unit.qualname} takes workspace rows ({a.arg}) but is not keyed on "
                    "the session's source (first parameter source/workspace)",
                )
            if "Context" in words and a.arg.startswith("_"):
                self._add(
                    unit,
                    a,
                    f"cached {unit.qualname} takes the session's context unhashed ({a.arg}): its "
                    "user, role and partner are not in the key; pass what it needs as plain "
                    "arguments",
                )
        for sub in unit.statements():
            if (
                isinstance(sub, ast.Name | ast.Attribute)
                and self.resolve(sub, unit.module) in HIDDEN
            ):
                self._add(
                    unit,
                    sub,
                    f"cached {unit.qualname} reads the session "
                    f"({self.resolve(sub, unit.module)}), which is not in its key",
                )
        if unit.session_scoped:
            return  # entries never leave the session
        reads = list(self.reads(unit))
        if not reads:
            return
        if unit.first not in SOURCE_PARAMS:
            self._add(
                unit,
                node,
                f"cached {unit.qualname} reads the workspace but its first parameter is "
                f"{unit.first!r}, not the session's source",
            )
        for call, callee, how in reads:
            if how == "param" and unit.first in SOURCE_PARAMS:
                continue
            if how == "split" and unit.qualname in self.roots:
                continue
            self._add(
                unit,
                call,
                f"cached {unit.qualname} reads the workspace through {callee.qualname} with "
                "something other than its source parameter",
            )

    def _check_decorator_forms(self) -> None:
        for unit in self.units.values():
            for call in unit.calls():
                if id(call) in self.decorators:
                    continue
                if self.resolve(call.func, unit.module) in CACHES:
                    self._add(unit, call, "a cache made by calling the decorator: not checkable")

    def scoped_loaders(self) -> set[str]:
        """Functions of the app keyed on (or reading through) a source parameter: their callers
        must hand them the session's source. Readers of the workspace, and cached functions that
        declare a source first (they may take rows computed from it, unhashed)."""
        app = ("ui", "pages", "app")
        readers = {
            name
            for name in self.readers
            if self.units[name].module.split(".")[0] in app
            and (self.units[name].first in SOURCE_PARAMS or self.units[name].vararg)
        }
        declared = {
            u.qualname
            for u in self.cached()
            if u.module.split(".")[0] in app and u.first in SOURCE_PARAMS
        }
        return readers | declared

    def unrestricted_loaders(self) -> set[str]:
        """Cached functions of the app that read the whole workspace, unfiltered."""
        return {
            name
            for name in self.readers - self.restricted
            if self.units[name].module.split(".")[0] in ("ui", "pages", "app")
            and self.units[name].cache
        }

    def _check_calls(self, unit: Unit) -> None:
        scoped = self.scoped_loaders()
        unrestricted = self.unrestricted_loaders()
        for call in unit.calls():
            callee = self.target(call, unit.module)
            if callee is None or callee.qualname == unit.qualname:
                continue
            name = callee.qualname
            if name in unrestricted:
                self.checked_calls += 1
                if not self.in_gated(unit, call):
                    self._add(
                        unit,
                        call,
                        f"{name} reads the whole workspace (no partner filter) and is called "
                        "from code a partner can run",
                    )
                continue
            if name not in scoped:
                continue
            self.checked_calls += 1
            kind = self.classify(self.first_argument(call, callee), unit)
            if kind == "forwarded" and unit.qualname in scoped:
                continue
            if kind == "source":
                continue
            if kind == "workspace" and self.in_gated(unit, call):
                continue
            shown = ast.unparse(self.first_argument(call, callee) or call)
            self._add(
                unit,
                call,
                f"{name} is given {shown!r} ({kind}), not the session's source (ctx.source)",
            )

    # ------------------------------------------------------------------ reporting

    def cached(self) -> list[Unit]:
        return [u for u in self.units.values() if u.cache]


def analyse(sources: dict[str, str] | None = None) -> Project:
    return Project(project_sources() if sources is None else sources)


def mutated(sources: dict[str, str], edits: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """A copy of ``sources`` with ``(file, old, new)`` replacements (each ``old`` must occur)."""
    out = dict(sources)
    for rel, old, new in edits:
        assert old in out[rel], (rel, old)
        out[rel] = out[rel].replace(old, new)
    return out
