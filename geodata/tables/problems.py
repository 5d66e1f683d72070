"""Problems found in input data, and the error raised when a build cannot go on.

A :class:`Problem` names the file, the row (as a person sees it: the spreadsheet row, header = 1,
or the feature number in a vector file), the column, what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "repaired", "rejected"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in an input file."""

    file: str
    problem: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = "error"
    fix: str | None = None
    code: str | None = None
    """What kind of problem it is, for the UI to say in its language (``problem.<code>`` and
    ``fix.<code>`` in the catalogs, filled from ``params``); ``problem`` and ``fix`` are English."""
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        text = f"{where}: {self.problem}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.fix:
            text += f" — {self.fix}"
        return text


@dataclass
class DataError(Exception):
    """Input that stops a build or an import; nothing is written when it is raised.

    ``code`` (optional) names the kind of failure for the UI to translate (``upload.<code>``),
    with ``params`` for its message; ``message`` is the English text, which names the file.
    """

    message: str
    problems: list[Problem] = field(default_factory=list)
    code: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        lines = [self.message]
        shown = self.problems[:50]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  … and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)
