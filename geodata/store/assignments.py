"""Partner reassignment: giving areas to another responsible organisation, as a new version.

The previous version stays in the workspace, so a reassignment can be compared and undone
(:func:`geodata.store.workspace.restore_version`). Who made it and when is kept with the version.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geodata.store import messages
from geodata.store.workspace import read_workspace, save_version, unchanged_since
from geodata.tables.problems import DataError
from geodata.users import audit
from geodata.users.audit import Actor


def reassign_areas(
    workspace: str | Path,
    area_ids: Sequence[str],
    partner_id: str | None,
    *,
    author: str,
    expected_version: int | None = None,
    actor: Actor | None = None,
) -> int:
    """Give ``area_ids`` to ``partner_id`` (``None``: to no partner) and save a new version.

    Parameters
    ----------
    workspace
        The workspace to change.
    area_ids
        Areas to reassign (at least one, each in the areas table).
    partner_id
        The responsible partner from now on; must be in the partners table.
    author
        Who reassigns (kept with the version, with the time).
    expected_version
        The version the person was looking at: when the workspace has moved on meanwhile the
        reassignment is refused rather than applied to data they have not seen.
    actor
        Who reassigns, for the audit trail (default: the person at the command line).

    Returns
    -------
    int
        The new version number.

    Raises
    ------
    DataError
        When nothing is chosen, an area or the partner is unknown, or the workspace changed.
    """
    if not area_ids:
        raise DataError("No area chosen: nothing to reassign.")
    tables = read_workspace(workspace)
    unchanged_since(workspace, expected_version, "repeat the reassignment")
    partners = tables["partners"]
    if partner_id is not None and partner_id not in set(partners["partner_id"].astype(str)):
        raise DataError(f"Unknown partner {partner_id!r}: it is not in the partners table.")
    try:
        areas = reassigned(tables["areas"], list(area_ids), partner_id)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    target = partner_id if partner_id is not None else "no partner"
    chosen = sorted(set(map(str, area_ids)))
    number = save_version(
        workspace,
        {"areas": areas},
        message=(
            messages.message("reassign", n=len(chosen), partner=partner_id)
            if partner_id is not None
            else messages.message("reassign_none", n=len(chosen))
        ),
        author=author,
        summary={"reassignment": {"areas": chosen, "to": partner_id}},
    )
    audit.append(
        workspace,
        actor or audit.cli_actor(author),
        "reassign",
        f"{len(chosen)} area(s) to {target}: {', '.join(chosen)}; version {number}",
    )
    return number


def reassigned(areas: pd.DataFrame, area_ids: list[str], partner_id: str | None) -> pd.DataFrame:
    """A copy of ``areas`` with ``area_ids`` given to ``partner_id`` (``None``: no partner).

    Raises
    ------
    ValueError
        When an area id is not in the table.
    """
    wanted = pd.Index(pd.unique(pd.Series(area_ids, dtype="string")))
    ids = areas["area_id"].astype("string")
    missing = wanted.difference(pd.Index(ids.dropna()))
    if len(missing):
        raise ValueError(f"Unknown area id(s): {', '.join(map(str, missing[:10]))}")
    out = areas.copy()
    column = out["partner_id"].astype("object") if "partner_id" in out else None
    if column is None:
        column = pd.Series(None, index=out.index, dtype="object")
    column = column.where(~ids.isin(wanted).to_numpy(), partner_id)
    out["partner_id"] = column
    return out
