"""The import report: every source row's fate, table by table.

`{"tables": {"<source table>": {"rows", "created", "updated", "unchanged",
"skipped": [{"key", "reason"}], "warnings": [{"key", "column", "value", "reason"}]}},
"absent": [...], "conflicts": [{"table", "key", "field", "frames", "legacy"}],
"dry_run": bool, "summary": {...}}`. A table with more than WARNINGS_KEPT warnings lists
the first ones and counts the rest in `warnings_omitted`. For every table created + updated + unchanged +
len(skipped) == rows; `check()` refuses a report where that does not hold."""

from dataclasses import dataclass, field

from frames.legacy.values import jsonable

# Warnings kept in detail per table: beyond this many, only counted (a table where every
# one of millions of rows has a warning must not hold them all in memory).
WARNINGS_KEPT = 10_000


class ReportArithmeticError(RuntimeError):
    """The engine lost count of a row: a bug, never a quietly wrong report."""


@dataclass
class TableReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    warnings_omitted: int = 0

    def skip(self, key, reason):
        self.skipped.append({"key": key, "reason": reason})

    def warn(self, key, column, value, reason):
        if len(self.warnings) >= WARNINGS_KEPT:
            self.warnings_omitted += 1
            return
        self.warnings.append({"key": key, "column": column, "value": jsonable(value), "reason": reason})

    def accounted(self):
        return self.created + self.updated + self.unchanged + len(self.skipped)

    def as_dict(self):
        report = {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "warnings": self.warnings,
        }
        if self.warnings_omitted:
            report["warnings_omitted"] = self.warnings_omitted
        return report


@dataclass
class Report:
    dry_run: bool = False
    tables: dict = field(default_factory=dict)  # source table -> TableReport, in import order
    absent: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    seconds: float = 0.0

    def table(self, source) -> TableReport:
        return self.tables.setdefault(source, TableReport())

    def conflict(self, table, key, field_name, frames_value, legacy_value):
        self.conflicts.append({
            "table": table, "key": key, "field": field_name,
            "frames": jsonable(frames_value), "legacy": jsonable(legacy_value),
        })

    def check(self, source):
        stats = self.tables[source]
        if stats.accounted() != stats.rows:
            raise ReportArithmeticError(
                f"{source}: {stats.rows} rows read but {stats.created} created + {stats.updated} updated + "
                f"{stats.unchanged} unchanged + {len(stats.skipped)} skipped = {stats.accounted()}"
            )

    def summary(self):
        totals = {"tables": len(self.tables), "rows": 0, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "warnings": 0}
        for stats in self.tables.values():
            totals["rows"] += stats.rows
            totals["created"] += stats.created
            totals["updated"] += stats.updated
            totals["unchanged"] += stats.unchanged
            totals["skipped"] += len(stats.skipped)
            totals["warnings"] += len(stats.warnings) + stats.warnings_omitted
        totals["conflicts"] = len(self.conflicts)
        totals["absent"] = len(self.absent)
        totals["dry_run"] = self.dry_run
        totals["seconds"] = round(self.seconds, 3)
        return totals

    def as_dict(self):
        return {
            "tables": {source: stats.as_dict() for source, stats in self.tables.items()},
            "absent": list(self.absent),
            "conflicts": list(self.conflicts),
            "dry_run": self.dry_run,
            "summary": self.summary(),
        }


def summary_rows(report: dict):
    """(table, rows, created, updated, unchanged, skipped, warnings) per table, for the printed summary."""
    for source, stats in report["tables"].items():
        warnings = len(stats["warnings"]) + stats.get("warnings_omitted", 0)
        yield (source, stats["rows"], stats["created"], stats["updated"], stats["unchanged"], len(stats["skipped"]), warnings)
