"""The server's folders stay on the server: messages and commands shown to partners, managers and
visitors who have not signed in carry file names, never paths (#18)."""

from __future__ import annotations

import shlex

import pytest


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "/etc/atlas/users.toml: the users file cannot be read (Permission denied).",
            "users.toml: the users file cannot be read (Permission denied).",
        ),
        ("~/.cache/coverage-atlas/demo.gpkg is gone", "demo.gpkg is gone"),
        ("'/srv/atlas/ws.gpkg' and /srv/atlas/old/", "'ws.gpkg' and old"),
        # Not paths: a database URL (shown without password elsewhere), dates, fractions.
        ("postgresql://atlas@db:5432/atlas refused", "postgresql://atlas@db:5432/atlas refused"),
        ("on 2026/09/01, 1/2 of them", "on 2026/09/01, 1/2 of them"),
    ],
)
def test_server_paths_are_cut_to_their_last_name(text, shown):
    from render.safe import hide_server_paths

    assert hide_server_paths(text) == shown


@pytest.mark.parametrize(("role", "partner"), [("partner", "P1"), ("manager", None)])
def test_the_briefing_command_hides_the_workspace_path_from_those_who_do_not_manage_data(
    role, partner
):
    from ui.briefings import data as bd
    from ui.context import Context

    ws = "/srv/agency/private/ws.gpkg"
    ctx = Context(
        workspace=ws, version=1, is_demo=False, lang="en", title="t", role=role, partner_id=partner
    )
    words = shlex.split(bd.cli_line(ctx, "region", None, "2026-09", "portrait"))
    assert words[words.index("--workspace") + 1] == "WORKSPACE"
    assert not [w for w in words if "/srv" in w]
    planner = Context(workspace=ws, version=1, is_demo=False, lang="en", title="t")
    assert ws in shlex.split(bd.cli_line(planner, "region", None, "2026-09", "portrait"))
