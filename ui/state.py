"""View state: each page keeps its own settings, the URL carries them, a few are shared on purpose.

A page declares its parameters once (:class:`Param`); :func:`bind` gives each widget key its value
before the widget is drawn, and :func:`publish` records the choices and writes them to
``st.query_params`` (defaults are left out to keep links short), so that a shared link reopens the
same view.

Streamlit forgets the state of a widget that a run does not draw, and widgets of the same key on
two pages are two different widgets: a move to another page and back would reset a page's
settings to its widgets' first options. So every page's values are also kept apart from the
widgets, one store per page, and restored when the page is entered again:

- ``app.py`` calls :func:`enter_page` with the page each run shows. A run that enters a page
  (from another page, or the session's first) takes the page's view from the URL when the URL
  names any view parameter (a shared link, the back button), exactly as the link says; otherwise
  from the page's own store (the sidebar's links carry no parameters).
- A run on the same page takes the widget's value, else the stored one (a widget hidden in the last
  run), else the URL.
- Parameters named in :data:`SHARED` (the reporting month) are shared on purpose: the value chosen
  on one page is the value on the next page that has it. Language and calendar are kept by
  :mod:`ui.context`, the workspace by the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

#: Parameters that mean the same on every page: a value chosen on one page is kept on the next
#: (the reporting month; how access is measured, straight line or travel time, #19).
SHARED = frozenset({"month", "measure_by"})

#: URL parameters of the whole app (kept by :mod:`ui.context`), not of a page's view.
APP_PARAMS = frozenset({"lang", "cal"})

_PAGE = "_ca_page"  # the page the current run shows
_ENTERED = "_ca_entered"  # whether this run entered that page
_LINKED = "_ca_linked"  # whether it was entered with view parameters in the URL
_VIEWS = "_ca_views"  # page -> {parameter name: value}
_SHARED = "_ca_shared"  # shared parameter name -> value
_HANDED = "_ca_handed"  # values one page chose for the page it opens: name -> value


T = TypeVar("T")

#: A text parameter's parse (the URL's text as it is); other types name their own.
_AS_TEXT: Callable[[str], Any] = str


@dataclass(frozen=True)
class Param(Generic[T]):
    """One URL parameter bound to one widget key, of one type: ``Param[int]`` reads back an int
    (:func:`value`), parses its URL text with ``parse`` and writes it with ``dump``."""

    name: str
    default: T
    allowed: Callable[[], Sequence[T]] | None = None
    parse: Callable[[str], T] = _AS_TEXT
    dump: Callable[[T], str] = str
    key: str = field(default="")
    in_url: bool = True  # False: kept on its page, but no part of a link
    #: Names this parameter had in links shared before (read when the link lacks ``name``; a
    #: value they hold that is not allowed is passed over, so an alias may be another
    #: parameter's name on some page)
    aliases: tuple[str, ...] = ()

    @property
    def widget_key(self) -> str:
        return self.key or f"url_{self.name}"

    @property
    def shared(self) -> bool:
        """Whether every page shares this parameter's value (:data:`SHARED`)."""
        return self.name in SHARED


def enter_page(page: str) -> None:
    """Note the page this run shows (``app.py``, before the page runs).

    A run whose page differs from the last run's enters the page: its view comes from the URL
    when the URL names a view parameter, else from the page's store (see the module's text).
    """
    entered = st.session_state.get(_PAGE) != page
    st.session_state[_PAGE] = page
    st.session_state[_ENTERED] = entered
    if entered:
        st.session_state[_LINKED] = any(name not in APP_PARAMS for name in st.query_params)
    else:  # handed values count on entering only
        st.session_state.pop(_HANDED, None)


def page_name() -> str:
    """The page this run shows (as :func:`enter_page` noted it; "" before any)."""
    return str(st.session_state.get(_PAGE, ""))


def entered_by_link() -> bool:
    """Whether this run entered its page from a link that names view parameters."""
    entered = st.session_state.get(_ENTERED) and not _fragment_rerun()
    return bool(entered and st.session_state.get(_LINKED))


def open_page(page: str, **values: object) -> None:
    """Go to ``page`` with some of its settings chosen here (by parameter name, e.g. the service
    that proposed sites need); its other settings are as the user left them there."""
    st.session_state[_HANDED] = values
    st.switch_page(page)


def _stores() -> tuple[dict[str, object], dict[str, object]]:
    """This page's store and the shared one (created on first use)."""
    views = st.session_state.setdefault(_VIEWS, {})
    page = str(st.session_state.get(_PAGE, ""))
    return views.setdefault(page, {}), st.session_state.setdefault(_SHARED, {})


def _fragment_rerun() -> bool:
    """Whether this run reruns fragments only (a widget inside an ``st.fragment`` changed): it
    runs neither ``app.py`` nor :func:`enter_page`, and never enters a page, so its widgets keep
    the values they were given."""
    run = get_script_run_ctx()
    return bool(run is not None and run.fragment_ids_this_run)


def rerun_view() -> None:
    """Rerun for a change a click asked for: only the fragment when this run is a fragment's
    rerun, else the whole app (Streamlit allows a fragment-scoped rerun only in the former)."""
    st.rerun(scope="fragment" if _fragment_rerun() else "app")


def _from_url(p: Param[T]) -> T | None:
    if not p.in_url:
        return None
    allowed = list(p.allowed()) if p.allowed else None
    for name in (p.name, *p.aliases):
        raw = st.query_params.get(name)
        if raw is None:
            continue
        try:
            parsed = p.parse(raw)
        except (TypeError, ValueError):
            continue
        if name == p.name or allowed is None or parsed in allowed:
            return parsed
    return None


def _remember(p: Param[T], chosen: object) -> None:
    page_store, shared_store = _stores()
    page_store[p.name] = chosen
    if p.shared:
        shared_store[p.name] = chosen


def bind(params: Sequence[Param[Any]]) -> None:
    """Give each parameter's widget key its value for this run (see the module's text), dropping
    values that are not allowed."""
    page_store, shared_store = _stores()
    entering = (
        bool(st.session_state.get(_ENTERED)) and _PAGE in st.session_state and not _fragment_rerun()
    )
    linked = bool(st.session_state.get(_LINKED))
    handed = st.session_state.get(_HANDED) or {} if entering else {}
    for p in params:
        allowed = list(p.allowed()) if p.allowed else None
        current = st.session_state.get(p.widget_key, None)
        if entering and linked:
            candidates = [handed.get(p.name), _from_url(p)]
        elif entering:
            candidates = [
                handed.get(p.name),
                shared_store.get(p.name) if p.shared else None,
                page_store.get(p.name),
            ]
        else:
            candidates = [current, page_store.get(p.name), _from_url(p)]
        chosen = next(
            (c for c in candidates if c is not None and (allowed is None or c in allowed)),
            p.default,
        )
        if allowed is not None and chosen not in allowed:
            chosen = allowed[0] if allowed else None
        # On entering, always: the key may still hold another page's widget of that key, which
        # the widget drawn here would not take up. A kept widget's None is its own first option
        # (a selectbox given None would show no choice at all): left to the widget.
        if (chosen is not None or p.in_url) and (entering or current is None or current != chosen):
            st.session_state[p.widget_key] = chosen
        _remember(p, chosen)


def keep(key: str, options: Sequence[object]) -> None:
    """Keep a widget that is no part of a link (a choice inside a form) on its page: call before
    the widget is drawn, with its options; its value is restored when the page is entered again.
    """
    choices = list(options)
    bind([Param(key, choices[0] if choices else None, lambda: choices, key=key, in_url=False)])


def value(p: Param[T]) -> T:
    """The parameter's value in this run, of the parameter's type."""
    return cast(T, st.session_state.get(p.widget_key, p.default))


def set_value(p: Param[T], new: T) -> None:
    """Change a bound value from code (e.g. a map click), before its widget is drawn."""
    st.session_state[p.widget_key] = new


def publish(params: Sequence[Param[Any]]) -> None:
    """Keep the current values in the page's store and write them into the URL; a value equal to
    its default is removed from the URL. A widget this run did not draw keeps its stored value."""
    page_store, _ = _stores()
    names = {p.name for p in params}
    for p in params:
        for old in p.aliases:  # an old link's name gives way to the parameter's own
            if old not in names and old in st.query_params:
                del st.query_params[old]
        current = st.session_state.get(p.widget_key, page_store.get(p.name, p.default))
        _remember(p, current)
        if not p.in_url:
            continue
        if current is None or current == p.default:
            if p.name in st.query_params:
                del st.query_params[p.name]
        else:
            text = p.dump(current)
            if st.query_params.get(p.name) != text:
                st.query_params[p.name] = text
