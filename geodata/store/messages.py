"""What the workspace writes on the versions it saves by itself, one template each.

A version's message is stored in English, as the command line lists it (``python -m geodata
versions``) and as an author's own message (``--message``) is stored: the words the writers use
are the templates of :data:`TEMPLATES`, written by :func:`message`. The dashboard reads a stored
message back with :func:`read` (which template, and its fields) and shows it in the reader's
language; a message no template writes (an author's own) is shown as it was written.
"""

from __future__ import annotations

import re
from string import Formatter

__all__ = ["TEMPLATES", "message", "read"]

#: The versions' messages, by key. Where one template's text is also another's with a field
#: filled in ("to no partner", "to {partner}"), the narrower comes first: :func:`read` takes the
#: first that fits.
TEMPLATES: dict[str, str] = {
    "build": "build from {file}",
    "import": "import {table} from {source}",
    "restore": "restore version {number}",
    "demo": "demo region (seed {seed}) — {label}",
    "demo_reset": "demo workspace reset (seed {seed}) — {label}",
    "session": "Session recorded in area {area} on {day}: {enrolled} enrolled ({kind})",
    "target": "Target set for {kind} {scope}: {share} from {month}",
    "reassign_none": "Reassigned {n} area(s) to no partner",
    "reassign": "Reassigned {n} area(s) to {partner}",
    "scenario_delete": "delete scenario {scenario}",
    "scenario": "scenario {scenario}: {name}",
    "travel_inputs": "travel inputs: {role} ← {files}",
}


def _pattern(template: str) -> re.Pattern[str]:
    """``template`` as a regular expression: its text as it is, each field any text (the
    shortest that lets the rest fit)."""
    parts = []
    for text, field, _, _ in Formatter().parse(template):
        parts.append(re.escape(text))
        if field:
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = {key: _pattern(template) for key, template in TEMPLATES.items()}


def message(key: str, **fields: object) -> str:
    """The message of template ``key`` with its ``fields`` (KeyError: an unknown key or field)."""
    return TEMPLATES[key].format(**fields)


def read(text: str) -> tuple[str, dict[str, str]] | None:
    """The template that wrote ``text`` and its fields, or None (an author's own message)."""
    for key, pattern in _PATTERNS.items():
        found = pattern.fullmatch(text)
        if found:
            return key, found.groupdict()
    return None
