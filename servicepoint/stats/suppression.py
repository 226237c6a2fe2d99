"""Small numbers suppressed: what the ``reporting`` role and every export see of a table.

A table is rows by columns of counts, with a total per row and/or per column (and the grand
total where both). The rules:

1. **Primary.** A count of 1 or 2 is hidden (shown as ``HIDDEN``, "•"), totals included.
   0 stays 0: an empty cell tells nothing about a person.
2. **Secondary.** A line (a row with its total, a column with its total, the totals' row and
   column) with exactly one hidden cell gives it away: total minus the others. Then the
   smallest other cell of that line above 0 is hidden too (an inner cell before a total of
   the same size), and again, until no line has a lone hidden cell.
3. **Measures** of a group (waits, durations) are shown only for groups of ``min_group`` (5)
   or more (``measure``).

Pure functions, no database: ``suppress`` takes the counts and returns the cells to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HIDDEN = "•"
SMALL = (1, 2)
Cell = int | str


@dataclass(frozen=True)
class Suppressed:
    """The table to show: ``cells`` (rows by columns), ``row_totals`` (one per row, when the
    table has them), ``column_totals`` (one per column, when it has them) and ``total`` (the
    grand total, when it has both or a single column/row of totals), each a count or
    ``HIDDEN``."""

    cells: list[list[Cell]]
    row_totals: list[Cell] | None
    column_totals: list[Cell] | None
    total: Cell | None


Position = tuple[int, int]


def suppress(
    counts: Sequence[Sequence[int]], row_totals: bool = True, column_totals: bool = True
) -> Suppressed:
    """Apply the rules to ``counts`` (every row as long as the first) and its totals.

    The grid has one row and one column more than ``counts``: index ``n_rows`` is the column
    totals' row, ``n_columns`` the row totals' column."""
    n_rows = len(counts)
    n_columns = len(counts[0]) if counts else 0
    if any(len(row) != n_columns for row in counts):
        raise ValueError("every row needs as many cells as the first")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("counts are never negative")
    value: dict[Position, int] = {}
    for r, row in enumerate(counts):
        for c, count in enumerate(row):
            value[r, c] = count
    if row_totals:
        for r in range(n_rows):
            value[r, n_columns] = sum(counts[r])
    if column_totals:
        for c in range(n_columns):
            value[n_rows, c] = sum(row[c] for row in counts)
    if row_totals or column_totals:
        value[n_rows, n_columns] = sum(sum(row) for row in counts)

    lines: list[list[Position]] = []
    if row_totals:
        for r in range(n_rows):
            lines.append([(r, c) for c in range(n_columns + 1)])
        if column_totals:
            lines.append([(n_rows, c) for c in range(n_columns + 1)])
    if column_totals:
        for c in range(n_columns):
            lines.append([(r, c) for r in range(n_rows + 1)])
        if row_totals:
            lines.append([(r, n_columns) for r in range(n_rows + 1)])
    if row_totals != column_totals:
        # One kind of total only: the grand total sums the others (a line of its own).
        if row_totals:
            lines.append([(r, n_columns) for r in range(n_rows)] + [(n_rows, n_columns)])
        else:
            lines.append([(n_rows, c) for c in range(n_columns)] + [(n_rows, n_columns)])

    hidden = {position for position, count in value.items() if count in SMALL}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(position in hidden for position in line) != 1:
                continue
            candidates = [p for p in line if p not in hidden and value[p] > 0]
            if not candidates:
                continue
            inner = n_rows, n_columns

            def order(p: Position, inner: Position = inner) -> tuple[int, bool, Position]:
                return (value[p], p[0] >= inner[0] or p[1] >= inner[1], p)

            hidden.add(min(candidates, key=order))
            changed = True

    def shown(position: Position) -> Cell:
        return HIDDEN if position in hidden else value[position]

    return Suppressed(
        cells=[[shown((r, c)) for c in range(n_columns)] for r in range(n_rows)],
        row_totals=[shown((r, n_columns)) for r in range(n_rows)] if row_totals else None,
        column_totals=[shown((n_rows, c)) for c in range(n_columns)] if column_totals else None,
        total=shown((n_rows, n_columns)) if (row_totals or column_totals) else None,
    )


def count(value: int) -> Cell:
    """One count on its own (no line to recompute it from): 1 and 2 hidden."""
    return HIDDEN if value in SMALL else value


def measure(value: float | int | None, group: int, min_group: int = 5) -> float | int | str | None:
    """A wait or duration of a group of ``group`` visits: hidden below ``min_group``."""
    if value is None:
        return None
    return value if group >= min_group else HIDDEN
