"""The budget of one what-if (Capacity and load page): it is evaluated inside the dashboard's
process, as a siting run is (:data:`ui.access.data.SITING_MAX_PAIRS`), so it has caps too — on the
changes it holds, and on the sites it adds × the areas (the distances its evaluation measures for
them). A what-if beyond them is refused before anything is measured, with a message in the
reader's language; the network as it is always counts in full."""

from __future__ import annotations

from collections.abc import Sequence

from analytics.scenarios import Change
from geodata.tables.problems import DataError
from render.safe import md_escape
from ui.context import Context

#: Changes one what-if (or one stored scenario) may hold.
WHATIF_MAX_CHANGES = 1_000
#: Added sites × areas one evaluation may measure (as for the candidate sites of a siting run).
WHATIF_MAX_PAIRS = 5_000_000


def check_whatif(changes: Sequence[Change] | int, new_sites: int, n_areas: int) -> None:
    """Refuse (:class:`DataError` with a ``code``) a what-if of ``changes`` (or their number), of
    which ``new_sites`` add a site, over ``n_areas`` areas, when it is beyond the caps."""
    n = changes if isinstance(changes, int) else len(changes)
    if n > WHATIF_MAX_CHANGES:
        raise DataError(
            f"This what-if holds {n} changes; one may hold at most {WHATIF_MAX_CHANGES}.",
            code="whatif_too_many_changes",
            params={"n": n, "limit": WHATIF_MAX_CHANGES},
        )
    if new_sites * n_areas > WHATIF_MAX_PAIRS:
        raise DataError(
            f"{new_sites} new sites × {n_areas} areas is more than one what-if may measure "
            f"({WHATIF_MAX_PAIRS} pairs); add fewer sites.",
            code="whatif_too_large",
            params={"sites": new_sites, "areas": n_areas, "limit": WHATIF_MAX_PAIRS},
        )


def new_sites(changes: Sequence[Change]) -> int:
    """How many of ``changes`` add a site."""
    return sum(1 for change in changes if change.kind == "new_site")


def refusal_text(ctx: Context, error: DataError) -> str:
    """Why a what-if was refused, in the reader's language (its numbers in the reader's digits)."""
    if error.code in ("whatif_too_many_changes", "whatif_too_large"):
        fields = {k: ctx.language.int(v) for k, v in error.params.items()}
        return ctx.t(f"capacity.whatif.{error.code}", **fields)
    return ctx.t("capacity.whatif.invalid", reason=md_escape(error.message))
