"""Partners: what each responsible organisation sees, and how its areas are doing.

:func:`restrict_to_partner` is the server-side filter of a partner's session: it runs on the
workspace tables before anything is computed, rendered or cached for that partner.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

# Tables about places everyone may see (public infrastructure and its activity): kept whole.
PUBLIC_TABLES = frozenset({"facilities", "utilisation"})


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("string")


def restrict_to_partner(
    tables: Mapping[str, pd.DataFrame], partner_id: str
) -> dict[str, pd.DataFrame]:
    """The workspace as one partner may see it: its own areas and the rows about them only.

    Parameters
    ----------
    tables
        Table name → frame, as read from the workspace (not modified).
    partner_id
        The partner whose areas are kept.

    Returns
    -------
    dict
        The same tables: ``areas`` with ``partner_id == partner_id`` only; ``insured`` of those
        areas; ``outreach`` sessions in those areas (or, without an area, recorded by the
        partner); the partner's own ``partners`` row; ``targets`` for the region, the partner,
        its areas and their districts; ``facilities`` (and facility activity) whole. Any other
        table is emptied: a table the filter does not know is never passed on to a partner.
    """
    partner_id = str(partner_id)
    out: dict[str, pd.DataFrame] = {}
    areas = tables["areas"]
    if "partner_id" in areas:
        own = areas[(_as_text(areas["partner_id"]) == partner_id).fillna(False).to_numpy()]
    else:
        own = areas.iloc[0:0]
    own = own.reset_index(drop=True)
    area_ids = set(_as_text(own["area_id"]).dropna())
    districts = (
        set(_as_text(own["district_id"]).dropna()) if "district_id" in own else set()
    )
    for name, frame in tables.items():
        if name == "areas":
            kept = own
        elif name in PUBLIC_TABLES:
            kept = frame
        elif name == "insured":
            kept = frame[_as_text(frame["area_id"]).isin(area_ids).to_numpy()]
        elif name == "outreach":
            in_area = (
                _as_text(frame["area_id"]).isin(area_ids).to_numpy()
                if "area_id" in frame
                else False
            )
            by_partner = (
                (_as_text(frame["partner_id"]) == partner_id).fillna(False).to_numpy()
                if "partner_id" in frame
                else False
            )
            no_area = (
                frame["area_id"].isna().to_numpy() if "area_id" in frame else True
            )
            kept = frame[in_area | (no_area & by_partner)]
        elif name == "partners":
            kept = frame[(_as_text(frame["partner_id"]) == partner_id).fillna(False).to_numpy()]
        elif name == "targets":
            allowed = {"region", partner_id} | area_ids | districts
            kept = frame[_as_text(frame["scope"]).isin(allowed).to_numpy()]
        else:
            kept = frame.iloc[0:0]
        out[name] = kept.reset_index(drop=True) if kept is not frame else frame
    return out
