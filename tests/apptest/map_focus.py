"""What a page sent to its maps about the place found by the search box (AppTest helpers)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

_START = '{"key":"'


def map_scripts(at: AppTest) -> list[str]:
    """Each map component's script and restyle script, as sent to the browser."""
    out = []
    for node in at._tree:
        if type(node).__name__ != "UnknownElement":
            continue
        instance = node.proto  # a ComponentInstance: its arguments as JSON
        if not getattr(instance, "json_args", ""):
            continue
        args = json.loads(instance.json_args)
        if "script" in args:
            out.append(str(args.get("script") or "") + str(args.get("feature_group") or ""))
    return out


def focus_bounds(at: AppTest) -> list[list[list[float]] | None]:
    """Per map, the bounds its search focus fits it to (None: no place chosen, or no focus)."""
    found = []
    for script in map_scripts(at):
        at_focus = script.rfind(_START)
        if at_focus < 0:
            found.append(None)
            continue
        payload, _ = json.JSONDecoder().raw_decode(script[at_focus:])
        found.append(payload["bounds"])
    return found
