"""The data scope of a session: the whole workspace, or one partner's areas only.

Every cached loader of :mod:`ui.data` (and of the other ``ui`` loaders) takes a *source* key as its
first argument instead of the bare workspace path. For an unrestricted session the source is the
path itself; for a partner it is the path plus the partner id, so the tables are filtered on the
server by :func:`analytics.partners.restrict_to_partner` before anything is computed, rendered or
cached, and no cache entry is ever shared between two scopes.
"""

from __future__ import annotations

_PARTNER = "::partner="


def source_key(path: str, partner_id: str | None = None) -> str:
    """The loader key of ``path`` seen by ``partner_id`` (``None``: everything)."""
    if _PARTNER in path:
        raise ValueError(f"A workspace path may not contain {_PARTNER!r}: {path}")
    return path if partner_id is None else f"{path}{_PARTNER}{partner_id}"


def parse_source(source: str) -> tuple[str, str | None]:
    """``(path, partner_id)`` of a loader key made by :func:`source_key`."""
    path, found, partner = source.partition(_PARTNER)
    return (path, partner) if found else (path, None)


def source_path(source: str) -> str:
    """The workspace file of a loader key."""
    return parse_source(source)[0]
