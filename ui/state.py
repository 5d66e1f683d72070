"""View state that lives in the URL, so that a shared link reopens the same view.

A page declares its parameters once (:class:`Param`); :func:`bind` seeds each widget's session
state from the URL on first load (ignoring values that are not allowed), and :func:`publish`
writes the current choices back to ``st.query_params`` (defaults are left out to keep links short).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import streamlit as st


@dataclass(frozen=True)
class Param:
    """One URL parameter bound to one widget key."""

    name: str
    default: object
    allowed: Callable[[], Sequence[object]] | None = None
    parse: Callable[[str], object] = str
    dump: Callable[[object], str] = str
    key: str = field(default="")

    @property
    def widget_key(self) -> str:
        return self.key or f"url_{self.name}"


def bind(params: Sequence[Param]) -> None:
    """Seed session state from the URL (once per widget key), dropping values not allowed."""
    for p in params:
        allowed = list(p.allowed()) if p.allowed else None
        current = st.session_state.get(p.widget_key, None)
        if current is not None and (allowed is None or current in allowed):
            continue
        value = p.default
        raw = st.query_params.get(p.name)
        if raw is not None:
            try:
                parsed = p.parse(raw)
            except (TypeError, ValueError):
                parsed = None
            if parsed is not None and (allowed is None or parsed in allowed):
                value = parsed
        if allowed is not None and value not in allowed:
            value = allowed[0] if allowed else None
        st.session_state[p.widget_key] = value


def value(p: Param) -> object:
    return st.session_state.get(p.widget_key, p.default)


def set_value(p: Param, new: object) -> None:
    """Change a bound value from code (e.g. a map click), before its widget is drawn."""
    st.session_state[p.widget_key] = new


def publish(params: Sequence[Param]) -> None:
    """Write the current values into the URL; a value equal to its default is removed."""
    for p in params:
        current = st.session_state.get(p.widget_key, p.default)
        if current is None or current == p.default:
            if p.name in st.query_params:
                del st.query_params[p.name]
        else:
            text = p.dump(current)
            if st.query_params.get(p.name) != text:
                st.query_params[p.name] = text
