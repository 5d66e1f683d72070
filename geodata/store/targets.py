"""Coverage targets set by hand: one target for the region, a district or a partner from a month
on, saved as a new version of the workspace (the targets table otherwise comes from an import).

A target holds from its month until the next target of the same scope (:func:`analytics.coverage.
target_series`); setting one for a scope and month that already have one replaces that row, every
other target is kept. The previous version stays, so the change can be compared and undone, and the
audit trail records who set what.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from geodata.store import messages
from geodata.store.workspace import read_workspace, save_version, unchanged_since
from geodata.tables import schema as S
from geodata.tables.calendar import GREGORIAN, month_start, period_name
from geodata.tables.problems import DataError
from geodata.tables.validate import conform
from geodata.users import audit
from geodata.users.audit import Actor

__all__ = ["REGION", "SCOPE_KINDS", "set_target", "target_scopes", "with_target"]

#: The scope of a target for the whole region.
REGION = "region"
#: What a target can be set for, in the order the editor offers them.
SCOPE_KINDS = ("region", "district", "partner")


def target_scopes(tables: dict[str, pd.DataFrame], kind: str) -> list[str]:
    """The ids a target of ``kind`` (``region``, ``district``, ``partner``) may be set for."""
    if kind == "region":
        return [REGION]
    if kind == "district":
        areas = tables["areas"]
        column = areas["district_id"] if "district_id" in areas else pd.Series(dtype="object")
        return sorted(column.dropna().astype(str).unique())
    if kind == "partner":
        return sorted(tables["partners"]["partner_id"].dropna().astype(str).unique())
    raise ValueError(f"A target is set for one of {', '.join(SCOPE_KINDS)}, not {kind!r}.")


def with_target(
    targets: pd.DataFrame,
    scope: str,
    period: pd.Timestamp,
    target_coverage: float,
    *,
    months: str = GREGORIAN,
) -> pd.DataFrame:
    """A copy of ``targets`` with ``target_coverage`` for ``scope`` from the month of ``period``
    (its first day in the calendar ``months``), replacing a target of the same scope and month.

    Raises
    ------
    DataError
        When the target is not a share above 0 and at most 1.
    """
    if not math.isfinite(target_coverage) or not 0 < target_coverage <= 1:
        raise DataError(
            f"A target coverage is a share above 0 and at most 1 (100 %), not {target_coverage!r}."
        )
    first = pd.Timestamp(month_start(pd.Timestamp(period), months))
    row = pd.DataFrame({"scope": [scope], "period": [first], "target_coverage": [target_coverage]})
    new, problems = conform(row, S.TARGETS, source="target", period_months=months)
    if len(new) != 1 or any(p.severity == "error" for p in problems):
        raise DataError("; ".join(str(p) for p in problems) or "The target could not be read.")
    new = new[list(S.TARGETS.required)]
    same = (targets["scope"].astype(str) == scope) & (
        pd.to_datetime(targets["period"]) == new["period"].iloc[0]
    )
    kept = targets.loc[~same.to_numpy()]
    merged = pd.concat([kept, new], ignore_index=True) if len(kept) else new
    return merged.sort_values(["scope", "period"], kind="stable").reset_index(drop=True)


def set_target(
    workspace: str | Path,
    kind: str,
    scope: str,
    period: pd.Timestamp,
    target_coverage: float,
    *,
    author: str,
    months: str = GREGORIAN,
    expected_version: int | None = None,
    actor: Actor | None = None,
) -> int:
    """Set the target coverage of ``scope`` (the region, a district or a partner: ``kind``) from
    the month of ``period`` on, and save a new version.

    Parameters
    ----------
    workspace
        The workspace to change.
    kind, scope
        What the target is for (:data:`SCOPE_KINDS`) and its id (``region`` for the region).
    period
        A day of the first month the target holds for (the month in ``months``, the workspace's
        reporting calendar).
    target_coverage
        The share of residents to be insured (0–1).
    author
        Who sets it (kept with the version).
    expected_version
        The version the person was looking at: when the workspace has moved on meanwhile the
        change is refused rather than applied to data they have not seen.
    actor
        Who sets it, for the audit trail (default: the person at the command line).

    Returns
    -------
    int
        The new version number.

    Raises
    ------
    DataError
        An unknown scope, a share out of range, or a workspace that changed meanwhile.
    """
    unchanged_since(workspace, expected_version, "set the target again")
    tables = read_workspace(workspace)
    if scope not in target_scopes(tables, kind):
        raise DataError(f"Unknown {kind} {scope!r}: a target needs a {kind} of the workspace.")
    targets = with_target(tables["targets"], scope, period, target_coverage, months=months)
    month = period_name(month_start(pd.Timestamp(period), months), months)
    what = f"{kind} {scope}: {target_coverage:.1%} from {month}"
    number = save_version(
        workspace,
        {"targets": targets},
        message=messages.message(
            "target", kind=kind, scope=scope, share=f"{target_coverage:.1%}", month=month
        ),
        author=author,
        summary={
            "target": {
                "kind": kind,
                "scope": scope,
                "month": month,
                "target_coverage": float(target_coverage),
            }
        },
    )
    audit.append(
        workspace, actor or audit.cli_actor(author), "target_set", f"{what}; version {number}"
    )
    return number
