"""The build report of a recipe: per section, the rows read, kept, joined, unmatched, repaired
and rejected, with every problem naming its file, row and column."""

from __future__ import annotations

from dataclasses import dataclass, field

from geodata.tables.problems import Problem


@dataclass
class SectionReport:
    """What happened to one recipe section."""

    source: str
    read: int = 0
    kept: int = 0
    joined: int | None = None
    filtered: int = 0
    unmatched: list[str] = field(default_factory=list)
    repaired: int = 0
    rejected: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    """The build report: rows read, joined, unmatched, repaired and rejected, per section."""

    recipe: str
    title: str = ""
    #: The title in other languages, where the recipe gives them (``name_fa = "…"``): code → title.
    titles: dict[str, str] = field(default_factory=dict)
    calendar: str | None = (
        None  # reporting months: the recipe's, or proposed (geodata.tables.periods)
    )
    calendar_proposed: bool = False
    sections: dict[str, SectionReport] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int | None]]:
        return {
            name: {
                "read": s.read,
                "kept": s.kept,
                "joined": s.joined,
                "filtered": s.filtered,
                "unmatched": len(s.unmatched),
                "repaired": s.repaired,
                "rejected": s.rejected,
            }
            for name, s in self.sections.items()
        }

    def render(self, max_rows: int = 40) -> str:
        """The report as text, one block per section, problems listed with file, row, column."""
        lines = [f"Build report for {self.recipe}"]
        if self.calendar:
            how = " (proposed by the periods' dates)" if self.calendar_proposed else ""
            lines.append(f"  reporting months: {self.calendar.replace('_', ' ')}{how}")
        for name, s in self.sections.items():
            parts = [f"read {s.read}", f"kept {s.kept}"]
            if s.joined is not None:
                parts.append(f"joined {s.joined}")
            if s.filtered:
                parts.append(f"filtered out {s.filtered}")
            parts += [
                f"unmatched {len(s.unmatched)}",
                f"repaired {s.repaired}",
                f"rejected {s.rejected}",
            ]
            lines.append(f"[{name}] {s.source}: " + ", ".join(parts))
            if s.unmatched:
                shown = ", ".join(s.unmatched[:max_rows])
                more = (
                    f" … and {len(s.unmatched) - max_rows} more"
                    if len(s.unmatched) > max_rows
                    else ""
                )
                lines.append(f"    unmatched: {shown}{more}")
            lines += [f"    note: {n}" for n in s.notes]
        if self.problems:
            lines.append(f"Problems ({len(self.problems)}):")
            by_kind: dict[str, int] = {}
            for p in self.problems:
                by_kind[p.problem] = by_kind.get(p.problem, 0) + 1
            for p in self.problems[:max_rows]:
                lines.append(f"  - [{p.severity}] {p}")
            if len(self.problems) > max_rows:
                lines.append(f"  … and {len(self.problems) - max_rows} more:")
                for what, n in sorted(by_kind.items(), key=lambda kv: -kv[1]):
                    lines.append(f"      {n} × {what}")
        return "\n".join(lines)
