"""The data scope of a session: the whole workspace, or one partner's areas only.

Every cached loader of :mod:`ui.data` (and of the other ``ui`` loaders) takes a *source* key as its
first argument instead of the bare workspace path. For an unrestricted session the source is the
path itself; for a partner it is the path plus the partner id, so the tables are filtered on the
server by :func:`analytics.partners.restrict_to_partner` before anything is computed, rendered or
cached, and no cache entry is ever shared between two scopes.
"""

from __future__ import annotations

from typing import NewType

#: The session's scoped source: the first argument of every cached loader of ``ui`` (``source``),
#: made by :func:`source_key` and handed out as ``Context.source``. For an unrestricted session it
#: is the workspace path itself, for a partner the path plus the partner id. ``workspace`` (a
#: bare ``str``, ``Context.workspace``) always means the unscoped path: the whole workspace.
Source = NewType("Source", str)

_PARTNER = "::partner="


def source_key(path: str, partner_id: str | None = None) -> Source:
    """The loader key of ``path`` seen by ``partner_id`` (``None``: everything)."""
    if _PARTNER in path:
        raise ValueError(f"A workspace path may not contain {_PARTNER!r}: {path}")
    return Source(path if partner_id is None else f"{path}{_PARTNER}{partner_id}")


def parse_source(source: Source) -> tuple[str, str | None]:
    """``(path, partner_id)`` of a loader key made by :func:`source_key`."""
    path, found, partner = source.partition(_PARTNER)
    return (path, partner) if found else (path, None)


def source_path(source: Source) -> str:
    """The workspace file of a loader key."""
    return parse_source(source)[0]
