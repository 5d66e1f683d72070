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
   the scope as its *first* parameter, named ``source`` (typed :data:`ui.scope.Source`; a
   ``workspace`` parameter is always the bare path), and every such read in its body passes that
   parameter unchanged. The one place where a source becomes a bare path is
   the *scoping root*: a function that splits its source with :func:`ui.scope.parse_source` and
   hands the partner id to :func:`analytics.partners.restrict_to_partner` (``ui.data.tables``).
   A loader that reads the workspace some other way (``geodata.store.versions``, backups: the whole
   workspace, unfiltered) is *unrestricted*.
3. **What its callers pass.** Every call of a scoped loader (a ``ui``/``app_pages`` function that
   reads the workspace through a first parameter named ``source``) passes as that
   argument ``ctx.source``, a name bound only to ``ctx.source``, or the caller's own first
   parameter of that name (whose callers are then checked the same way); ``*args`` whose first
   item is one of those is followed. ``ctx.workspace`` (the bare path) and every call of an
   unrestricted loader are allowed only in *gated* code: a page that calls
   ``require_page(ctx, page)`` first, where :data:`ui.auth.PAGE_ROLES` keeps partners out, and
   functions used from gated code only. For every other role ``ctx.source == ctx.workspace``
   (checked by the tests), so there the two keys are the same key.
4. **What a page's selection carries.** A page may hand its sections the session's choices in a
   *record*: a frozen dataclass of its own (no base class, no ``__init__``/``__post_init__``/
   ``__setattr__`` of its own, never subclassed nor handed on as a factory). ``sel.source`` (or
   a name bound to it) counts as ``ctx.source`` when every construction of the record in the
   project, and every ``dataclasses.replace`` naming the field, puts ``ctx.source`` there — or
   a field holding ``ctx`` itself, read as ``sel.ctx.source``, or a property that returns one
   of those (``sel.ws``). One construction with ``ctx.workspace`` makes it the bare path, one
   with anything else unknown; a field written by ``object.__setattr__`` or through
   ``__dict__`` is unknown. What ``sel`` is comes from its construction, from a function every
   ``return`` of which builds one, or from a parameter annotated with the record whose every
   call in the project (direct, or through a dispatch table called at once) passes one —
   annotations alone are not trusted (mypy does not check ``ui`` and ``app_pages``).

What this cannot see: data smuggled in through global state or read by a route other than the
workspace modules (an ``open()`` of the GeoPackage). The AppTest half of
``tests/hardening/test_cache_scope.py`` watches the caches at run time for that.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The name the scope parameter of a loader has (one spelling: ``workspace`` is the bare path).
SOURCE_PARAMS = frozenset({"source"})
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


@functools.lru_cache(maxsize=2048)
def _parse(rel: str, text: str) -> ast.Module:
    """A file's syntax tree, parsed once per text (the analysis reads trees, never changes them:
    the mutated copies of the tests share the trees of the files they leave alone)."""
    return ast.parse(text, filename=rel)


#: The nodes under each node walked so far, by the node's id (the node is kept, so that its id
#: is not reused): the parsed trees are shared by every analysis (:func:`_parse`), so each
#: tree is walked once for all of them.
_WALKS: dict[tuple[int, bool], tuple[ast.AST, list[ast.AST]]] = {}


def walk(node: ast.AST, own: bool = False) -> list[ast.AST]:
    """Every node under ``node`` (``ast.walk``), computed once per node; ``own``: those not inside
    its functions and classes, ``node`` itself left out (a module's own statements)."""
    key = (id(node), own)
    if key not in _WALKS:
        if not own:
            nodes = list(ast.walk(node))
        else:
            nodes = []
            stack = list(ast.iter_child_nodes(node))
            while stack:
                inner = stack.pop()
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    continue
                nodes.append(inner)
                stack.extend(ast.iter_child_nodes(inner))
        _WALKS[key] = (node, nodes)
    return _WALKS[key][1]


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
    #: For a method: the class it is defined in (qualname).
    owner: str | None = None

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
        return walk(self.node, own=self.is_module)

    def calls(self) -> list[ast.Call]:
        return [node for node in self.statements() if isinstance(node, ast.Call)]


@dataclass
class Record:
    """A frozen dataclass of the project whose fields the analysis follows: what every
    construction of it (and every ``replace`` that names a field) puts in each field, and the
    properties that hand back one expression."""

    qualname: str
    module: str
    fields: list[str]
    #: Field → its default (the expression, or None where it is not followed).
    defaults: dict[str, ast.AST | None]
    #: Property → the method and the one expression it returns.
    properties: dict[str, tuple[Unit, ast.AST]] = field(default_factory=dict)
    #: Field → the values put there, each with the unit it is computed in (None: not followed).
    values: dict[str, list[tuple[ast.AST | None, Unit | None]]] = field(default_factory=dict)
    #: The class is used other than by being called or named in an annotation (subclassed,
    #: handed on as a factory…): its instances may come from anywhere.
    escaped: bool = False

    def poison(self, name: str | None = None) -> None:
        """A value of field ``name`` (every field: None) that the analysis cannot follow."""
        for f in self.fields if name is None else [name]:
            if f in self.values:
                self.values[f].append((None, None))


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
        self.trees = {rel: _parse(rel, text) for rel, text in sources.items()}
        self.modules = {module_name(rel): rel for rel in sources}
        self.imports: dict[str, dict[str, str]] = {}
        self.top_names: dict[str, set[str]] = {}
        self.units: dict[str, Unit] = {}
        self.classes: dict[str, tuple[ast.ClassDef, str]] = {}
        self._refs: dict[str, list[tuple[Unit | None, ast.AST]]] | None = None
        self._parents: dict[str, dict[int, ast.AST]] = {}
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
        self.records = self._records()
        self.checked_calls = 0
        self._analyse()

    # ------------------------------------------------------------------ indexing

    def _index(self, rel: str, tree: ast.Module) -> None:
        module = module_name(rel)
        imports: dict[str, str] = {}
        for node in walk(tree):
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
                self.classes[f"{module}.{node.name}"] = (node, module)
                continue
            if not prefix:
                names.add(node.name)
            unit = Unit(f"{module}.{prefix}{node.name}", module, rel, node)
            if prefix:
                unit.owner = f"{module}.{prefix[:-1]}"
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

    # ------------------------------------------------------------------ frozen records

    def _frozen_dataclass(self, node: ast.ClassDef, module: str) -> bool:
        for deco in node.decorator_list:
            if not isinstance(deco, ast.Call):
                continue
            if self.resolve(deco.func, module) != "dataclasses.dataclass":
                continue
            options = {
                k.arg: k.value.value for k in deco.keywords if isinstance(k.value, ast.Constant)
            }
            if any(k.arg is None for k in deco.keywords):
                return False
            return options.get("frozen") is True and options.get("init", True) is True
        return False

    def _records(self) -> dict[str, Record]:
        """The project's frozen dataclasses whose fields can be followed, with the value every
        construction site of the project puts in each field.

        A class is followed when it is a frozen dataclass of its own (no base class, no
        ``__init__``/``__new__``/``__post_init__``/``__setattr__``/``__getattr__`` of its own), so
        that a field holds what its construction put there and nothing else. The values are
        gathered from every call of the class (positional arguments by field order, keywords by
        name, the default where one is left out), from every ``dataclasses.replace`` /
        ``copy.replace`` / ``__replace__`` call that names the field (whatever it copies), and a
        field named by an ``object.__setattr__`` or written through ``__dict__``/``vars()`` is not
        followed. A class named anywhere but as the function of a call or in an annotation
        (subclassed, handed on as a factory, ``isinstance``…) is not followed at all."""
        records: dict[str, Record] = {}
        own = {"__init__", "__new__", "__post_init__", "__setattr__", "__getattr__"}
        own.add("__getattribute__")
        for name, (node, module) in self.classes.items():
            if node.bases or node.keywords or not self._frozen_dataclass(node, module):
                continue
            methods = [
                item
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            if {m.name for m in methods} & own:
                continue
            fields: list[str] = []
            defaults: dict[str, ast.AST | None] = {}
            followed = True
            for item in node.body:
                if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                    continue
                words = _annotation_words(item.annotation)
                if "ClassVar" in words:
                    continue
                if words & {"InitVar", "KW_ONLY"}:
                    followed = False
                fields.append(item.target.id)
                if item.value is not None:
                    defaults[item.target.id] = item.value
            if not followed:
                continue
            record = Record(name, module, fields, defaults, values={f: [] for f in fields})
            for method in methods:
                unit = self.units[f"{name}.{method.name}"]
                decorated = {self.resolve(d, module) for d in method.decorator_list}
                body = [
                    b
                    for b in method.body
                    if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))
                ]
                if (
                    decorated == {"property"}
                    and len(body) == 1
                    and isinstance(body[0], ast.Return)
                    and body[0].value is not None
                ):
                    record.properties[method.name] = (unit, body[0].value)
            records[name] = record
        if records:
            self._record_values(records)
        return records

    def _record_values(self, records: dict[str, Record]) -> None:
        # Every node of the project once: each unit's own code, and the class statements that are
        # no unit's (bases, decorators, class attributes), which are computed in no unit.
        pieces: list[tuple[list[ast.AST], Unit | None, str]] = [
            (unit.statements(), unit, unit.file) for unit in self.units.values()
        ]
        pieces += [(nodes, None, self.modules[module]) for module, nodes in self._class_code()]
        # Only files that name a record, copy a dataclass or write an object's attributes can
        # change what a record holds (a reference to a name spells it).
        words = {name.rsplit(".", 1)[-1] for name in records}
        words |= {"replace", "__setattr__", "__dict__", "vars"}
        for nodes, unit, rel in pieces:
            if not any(word in self.sources[rel] for word in words):
                continue
            module = module_name(rel)
            # the names a record goes by here: its own, and what it is imported as
            spellings = words | {
                alias for alias, full in self.imports[module].items() if full in records
            }
            allowed: set[int] = set()  # may name a record: a call's function, an annotation
            for node in nodes:
                annotations: list[ast.AST | None] = []
                if isinstance(node, ast.Call):
                    allowed.add(id(node.func))
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    a = node.args
                    every = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
                    annotations = [x.annotation for x in every if x is not None]
                    annotations.append(node.returns)
                elif isinstance(node, ast.AnnAssign):
                    annotations = [node.annotation]
                for annotation in annotations:
                    if annotation is not None:
                        allowed |= {id(n) for n in walk(annotation)}
            for node in nodes:
                if isinstance(node, ast.Name | ast.Attribute):
                    spelled = node.id if isinstance(node, ast.Name) else node.attr
                    if spelled in spellings and id(node) not in allowed:
                        named = self.resolve(node, module)
                        if named in records:
                            records[named].escaped = True
                elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                    if self._is_dict_of(node.value, module):
                        owner = self._dict_owner(node.value)
                        for record in self._written(records, owner, unit):
                            record.poison()
                elif isinstance(node, ast.Call):
                    self._record_call(records, node, module, unit)

    def _class_code(self) -> list[tuple[str, list[ast.AST]]]:
        """The code of the module-level classes that is no unit's (bases, keywords, decorators,
        the class body outside its methods), by module."""
        found = []
        for node, module in self.classes.values():
            outside = [*node.bases, *node.keywords, *node.decorator_list]
            outside += [
                item
                for item in node.body
                if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            found.append((module, [n for part in outside for n in ast.walk(part)]))
        return found

    def _is_dict_of(self, expr: ast.AST, module: str) -> bool:
        """Whether ``expr`` is an object's attribute dictionary (``x.__dict__``, ``vars(x)``)."""
        if isinstance(expr, ast.Attribute) and expr.attr == "__dict__":
            return True
        return isinstance(expr, ast.Call) and self.resolve(expr.func, module) == "vars"

    def _written(
        self, records: dict[str, Record], target: ast.AST | None, unit: Unit | None
    ) -> list[Record]:
        """The records whose instances ``target`` (an object copied or written to) may be: only
        the method's own class for its ``self`` (a record cannot be subclassed unnoticed: the
        subclass names it), every record otherwise."""
        if (
            unit is not None
            and unit.owner is not None
            and isinstance(target, ast.Name)
            and unit.params[:1] == [target.id]
            and not self.bindings(unit).get(target.id)
            and not self._shadowed(unit, target.id)
            and not {self.resolve(d, unit.module) for d in unit.node.decorator_list}  # type: ignore[attr-defined]
            & {"staticmethod", "classmethod"}
        ):
            return [records[unit.owner]] if unit.owner in records else []
        return list(records.values())

    def _record_call(
        self, records: dict[str, Record], call: ast.Call, module: str, unit: Unit | None
    ) -> None:
        func = call.func
        named = self.resolve(func, module)
        attr = func.attr if isinstance(func, ast.Attribute) else None
        if named in records:
            record = records[named]
            if any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords
            ):
                record.poison()
                return
            given: dict[str, ast.AST] = dict(zip(record.fields, call.args, strict=False))
            given.update({k.arg: k.value for k in call.keywords if k.arg is not None})
            scope = self.units[f"{record.module}.<module>"]
            for f in record.fields:
                if f in given:
                    record.values[f].append((given[f], unit))
                elif f in record.defaults:
                    record.values[f].append((record.defaults[f], scope))
                else:
                    record.poison(f)
        elif named in {"dataclasses.replace", "copy.replace"} or attr == "__replace__":
            copied = call.args[0] if call.args and attr != "__replace__" else None
            if attr == "__replace__" and isinstance(func, ast.Attribute):
                copied = func.value
            for record in self._written(records, copied, unit):
                for keyword in call.keywords:
                    if keyword.arg is None:
                        record.poison()
                    elif keyword.arg in record.values:
                        record.values[keyword.arg].append((keyword.value, unit))
        elif attr == "__setattr__" and isinstance(func, ast.Attribute):
            # object.__setattr__(obj, "name", value) or obj.__setattr__("name", value)
            bound = named == "object.__setattr__" or (
                isinstance(func.value, ast.Call)
                and self.resolve(func.value.func, module) == "super"
            )
            rest = call.args[1:] if bound else call.args
            written = call.args[0] if bound and call.args else func.value
            if bound and isinstance(func.value, ast.Call):
                written = ast.Name("self", ast.Load())
            name = rest[0].value if rest and isinstance(rest[0], ast.Constant) else None
            for record in self._written(records, written, unit):
                record.poison(name if isinstance(name, str) and name in record.values else None)
        elif (
            attr in {"update", "setdefault", "__setitem__"}
            and isinstance(func, ast.Attribute)
            and self._is_dict_of(func.value, module)
        ):
            for record in self._written(records, self._dict_owner(func.value), unit):
                record.poison()

    @staticmethod
    def _dict_owner(expr: ast.AST) -> ast.AST | None:
        """The object whose attribute dictionary ``expr`` (``x.__dict__``, ``vars(x)``) is."""
        if isinstance(expr, ast.Attribute):
            return expr.value
        if isinstance(expr, ast.Call) and expr.args:
            return expr.args[0]
        return None

    @staticmethod
    def _param(unit: Unit, name: str) -> ast.arg | None:
        if unit.is_module:
            return None
        args = unit.node.args  # type: ignore[attr-defined]
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if a.arg == name:
                return a
        return None

    def _annotated_record(self, annotation: ast.AST | None, module: str) -> str | None:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.Name | ast.Attribute):
            named = self.resolve(annotation, module)
            return named if named in self.records else None
        return None

    def _shadowed(self, unit: Unit, name: str) -> bool:
        """Whether ``name`` is also a parameter of a function or lambda nested in ``unit``, or an
        exception bound in it (a different variable that the bindings do not tell apart)."""
        own = {id(a) for a in ast.walk(unit.node.args)} if not unit.is_module else set()  # type: ignore[attr-defined]
        for node in unit.statements():
            if isinstance(node, ast.arg) and node.arg == name and id(node) not in own:
                return True
            if isinstance(node, ast.ExceptHandler) and node.name == name:
                return True
        return False

    def record_of(
        self, expr: ast.AST | None, unit: Unit, seen: frozenset[str] = frozenset()
    ) -> str | None:
        """The followed record (:class:`Record`) ``expr`` is an instance of in ``unit``, if known:
        a construction of it; a call of a project function every ``return`` of which hands back
        one; ``self`` in the record's own methods; a parameter annotated with it (not bound
        again in the body) that every call of the function in the project fills with one; a name
        bound only to those. Annotations are not taken on trust (mypy does not check ``ui`` or
        ``app_pages``): what the callers pass is."""
        if isinstance(expr, ast.Call):
            named = self.resolve(expr.func, unit.module)
            if named in self.records:
                return named
            callee = self.units.get(named) if named else None
            if callee is None or callee.is_module or callee.owner is not None:
                return None
            return self._returned_record(callee, seen)
        if not isinstance(expr, ast.Name) or expr.id in seen:
            return None
        values = self.bindings(unit).get(expr.id, [])
        param = self._param(unit, expr.id)
        if param is not None:
            first = expr.id == unit.params[0] if unit.params else False
            if len(values) != (0 if first else 1) or self._shadowed(unit, expr.id):
                return None
            if unit.owner is not None:  # a method: only its self is followed
                decorated = {
                    self.resolve(d, unit.module)
                    for d in unit.node.decorator_list  # type: ignore[attr-defined]
                }
                if not first or decorated & {"staticmethod", "classmethod"}:
                    return None
                return unit.owner if unit.owner in self.records else None
            record = self._annotated_record(param.annotation, unit.module)
            if record is None or not self._callers_pass(unit, param, record, seen):
                return None
            return record
        scope = unit
        if not values and not unit.is_module:
            scope = self.units[f"{unit.module}.<module>"]
            values = self.bindings(scope).get(expr.id, [])
        found = {self.record_of(v, scope, seen | {expr.id}) for v in values}
        return found.pop() if len(found) == 1 and values else None

    @staticmethod
    def _carried(seen: frozenset[str]) -> frozenset[str]:
        """What of ``seen`` holds across units: the keys of members, returns and parameters
        (local names are per unit)."""
        return frozenset(k for k in seen if ":" in k)

    def _returned_record(self, callee: Unit, seen: frozenset[str]) -> str | None:
        key = f"return:{callee.qualname}"
        if key in seen:
            return None
        nodes = walk(callee.node)
        if any(isinstance(n, ast.Yield | ast.YieldFrom) for n in nodes):
            return None
        returned = [n.value for n in nodes if isinstance(n, ast.Return)]
        kept = self._carried(seen) | {key}
        found = {self.record_of(v, callee, kept) if v is not None else None for v in returned}
        return found.pop() if len(found) == 1 and returned else None

    def _references(self) -> dict[str, list[tuple[Unit | None, ast.AST]]]:
        """Every reference to each project function (recursive ones too), with its unit (None:
        in a class body, outside its methods)."""
        if self._refs is None:
            self._refs = {}
            pieces: list[tuple[Unit | None, str, list[ast.AST]]] = [
                (unit, unit.module, unit.statements()) for unit in self.units.values()
            ]
            pieces += [(None, module, nodes) for module, nodes in self._class_code()]
            for unit, module, nodes in pieces:
                for node in nodes:
                    if isinstance(node, ast.Name | ast.Attribute) and isinstance(
                        getattr(node, "ctx", None), ast.Load
                    ):
                        name = self.resolve(node, module)
                        if name in self.units and not self.units[name].is_module:
                            self._refs.setdefault(name, []).append((unit, node))
        return self._refs

    def _parent(self, node: ast.AST, file: str) -> ast.AST | None:
        """The node ``node`` (of ``file``'s tree) is a child of."""
        if file not in self._parents:
            self._parents[file] = {
                id(inner): outer
                for outer in walk(self.trees[file])
                for inner in ast.iter_child_nodes(outer)
            }
        return self._parents[file].get(id(node))

    def _called_by(self, node: ast.AST, file: str) -> ast.Call | None:
        """The call a reference to a function is called by: ``f(…)``, or a dispatch table made
        and called at once, ``{key: f, …}[choice](…)``; None when it is used otherwise (handed
        on: its arguments are not known)."""
        parent = self._parent(node, file)
        if isinstance(parent, ast.Call) and parent.func is node:
            return parent
        table = parent
        if isinstance(table, ast.Dict) and any(v is node for v in table.values):
            pass
        elif not (isinstance(table, ast.List | ast.Tuple) and any(e is node for e in table.elts)):
            return None
        pick = self._parent(table, file) if table is not None else None
        if not (isinstance(pick, ast.Subscript) and pick.value is table):
            return None
        call = self._parent(pick, file)
        return call if isinstance(call, ast.Call) and call.func is pick else None

    def _callers_pass(self, unit: Unit, param: ast.arg, record: str, seen: frozenset[str]) -> bool:
        """Whether every use of ``unit`` in the project is a call that fills ``param`` with an
        instance of ``record`` (a function no code of the project calls: vacuously)."""
        key = f"param:{unit.qualname}.{param.arg}"
        if key in seen:
            return True  # a cycle of calls: the values come in from its other callers
        kept = self._carried(seen) | {key}
        args = unit.node.args  # type: ignore[attr-defined]
        positional = [a.arg for a in [*args.posonlyargs, *args.args]]
        for caller, node in self._references().get(unit.qualname, []):
            call = self._called_by(node, caller.file) if caller is not None else None
            if caller is None or call is None:
                return False
            if any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords
            ):
                return False
            index = positional.index(param.arg) if param.arg in positional else None
            if index is not None and index < len(call.args):
                given: ast.AST | None = call.args[index]
            else:
                given = next((k.value for k in call.keywords if k.arg == param.arg), None)
            if given is None or self.record_of(given, caller, kept) != record:
                return False
        return True

    def _member(
        self, expr: ast.Attribute, unit: Unit
    ) -> tuple[str, list[tuple[ast.AST | None, Unit | None]]] | None:
        """For ``x.name`` with ``x`` a followed record: a key for the member and what it may hold
        (a field: every value put there; a property: the expression it returns)."""
        record = self.records.get(self.record_of(expr.value, unit) or "")
        if record is None or record.escaped:
            return None
        key = f"member:{record.qualname}.{expr.attr}"
        if expr.attr in record.values:
            return key, record.values[expr.attr]
        if expr.attr in record.properties:
            method, returned = record.properties[expr.attr]
            return key, [(returned, method)]
        return None

    def is_context(
        self, expr: ast.AST | None, unit: Unit, seen: frozenset[str] = frozenset()
    ) -> bool:
        """Whether ``expr`` is the session's context: the name ``ctx`` (the project's one name
        for it, as ``ctx.source`` is read everywhere), or a member of a followed record that only
        ever holds that."""
        if isinstance(expr, ast.Name):
            return expr.id == "ctx"
        if not isinstance(expr, ast.Attribute):
            return False
        member = self._member(expr, unit)
        if member is None or member[0] in seen:
            return False
        key, values = member
        kept = self._carried(seen) | {key}
        return bool(values) and all(
            v is not None and u is not None and self.is_context(v, u, kept) for v, u in values
        )

    def _member_kind(self, expr: ast.Attribute, unit: Unit, seen: frozenset[str]) -> str:
        member = self._member(expr, unit)
        if member is None or member[0] in seen:
            return "unknown"
        key, values = member
        kept = self._carried(seen) | {key}
        kinds = {
            self.classify(v, u, kept) if v is not None and u is not None else "unknown"
            for v, u in values
        }
        if kinds == {"source"}:
            return "source"
        if kinds and kinds <= {"source", "workspace"}:
            return "workspace"
        return "unknown"

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
            if self.is_context(expr.value, unit, seen):
                return expr.attr
        if isinstance(expr, ast.Attribute):
            # A field or property of a followed record: what every construction put there.
            return self._member_kind(expr, unit, seen)
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
                    "the session's source (first parameter source)",
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
        app = ("ui", "app_pages", "app")
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
            if self.units[name].module.split(".")[0] in ("ui", "app_pages", "app")
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
