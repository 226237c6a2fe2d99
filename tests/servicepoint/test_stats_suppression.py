"""Small numbers suppressed (issue #10, part 4): 1 and 2 hidden, no line left with a lone
hidden cell that its total would give away, 0 stays 0, measures only for groups of 5."""

from __future__ import annotations

import itertools
import random

import pytest

from servicepoint.stats.suppression import HIDDEN, count, measure, suppress


def grid(table) -> list[list]:
    """The table as shown, totals included (the last column and row)."""
    rows = [list(cells) for cells in table.cells]
    if table.row_totals is not None:
        for row, total in zip(rows, table.row_totals, strict=True):
            row.append(total)
    if table.column_totals is not None:
        rows.append([*table.column_totals, *([table.total] if table.row_totals else [])])
    return rows


def recover(shown, counts, row_totals=True, column_totals=True) -> dict:
    """What someone recomputes from the table as shown: every line with exactly one hidden
    cell gives it (total minus the others; a total from its parts), again and again."""
    known = {
        (r, c): value
        for r, row in enumerate(grid(shown))
        for c, value in enumerate(row)
        if value != HIDDEN
    }
    n_rows, n_columns = len(counts), len(counts[0])
    lines = []
    if row_totals:
        lines += [[(r, c) for c in range(n_columns + 1)] for r in range(n_rows + column_totals)]
    if column_totals:
        lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_columns + row_totals)]
    found = {}
    progress = True
    while progress:
        progress = False
        for line in lines:
            unknown = [p for p in line if p not in known]
            if len(unknown) != 1:
                continue
            *parts, total = line
            (missing,) = unknown
            if missing == total:
                known[missing] = sum(known[p] for p in parts)
            else:
                known[missing] = known[total] - sum(known[p] for p in parts if p != missing)
            found[missing] = known[missing]
            progress = True
    return found


def test_one_and_two_are_hidden_and_zero_stays_zero():
    shown = suppress([[0, 7, 9], [5, 0, 8]])
    assert shown.cells == [[0, 7, 9], [5, 0, 8]]
    assert shown.row_totals == [16, 13] and shown.column_totals == [5, 7, 17] and shown.total == 29
    shown = suppress([[1, 7, 9], [5, 0, 8]])
    # The 1 is hidden; its row and its column would give it away, so their next-smallest go
    # (the 7, the 5), then what their lines give away in turn, until no line has a lone one.
    assert shown.cells[0][0] == HIDDEN
    assert 0 in shown.cells[1]  # 0 is never hidden
    assert recover(shown, [[1, 7, 9], [5, 0, 8]]) == {}


def test_a_lone_small_count_in_a_row_hides_the_next_smallest():
    counts = [[2, 10, 30]]
    shown = suppress(counts, row_totals=True, column_totals=False)
    assert shown.cells == [[HIDDEN, HIDDEN, 30]]
    assert shown.row_totals == [42] and shown.column_totals is None
    assert recover(shown, counts, column_totals=False) == {}


def test_a_small_total_is_hidden_too():
    counts = [[1, 0], [0, 6]]
    shown = suppress(counts)
    assert shown.row_totals[0] == HIDDEN
    assert shown.column_totals[0] == HIDDEN
    assert grid(shown)[0][1] == 0 and grid(shown)[1][0] == 0
    assert recover(shown, counts) == {}


def test_the_leverkusen_quarter_cannot_be_recomputed():
    # Topics by languages, June to August: 118 visitors.
    counts = [
        [31, 12, 2, 9],  # residence
        [18, 1, 7, 0],  # work
        [11, 6, 0, 21],  # language courses
    ]
    assert sum(map(sum, counts)) == 118
    shown = suppress(counts)
    flat = [v for row in grid(shown) for v in row]
    assert 1 not in flat and 2 not in flat
    assert shown.total == 118
    assert recover(shown, counts) == {}


def test_one_column_with_a_total():
    counts = [[40], [2], [9], [0]]
    shown = suppress(counts, row_totals=False, column_totals=True)
    assert [row[0] for row in shown.cells] == [40, HIDDEN, HIDDEN, 0]
    assert shown.column_totals == [51] and shown.total == 51
    assert recover(shown, counts, row_totals=False) == {}


@pytest.mark.parametrize("seed", range(40))
def test_random_small_tables_give_nothing_away(seed):
    rng = random.Random(seed)
    rows, columns = rng.randint(1, 4), rng.randint(1, 4)
    counts = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 12]) for _ in range(columns)] for _ in range(rows)]
    for row_totals, column_totals in itertools.product([True, False], repeat=2):
        if not (row_totals or column_totals):
            continue
        shown = suppress(counts, row_totals, column_totals)
        assert recover(shown, counts, row_totals, column_totals) == {}
        flat = [v for row in grid(shown) for v in row]
        assert 1 not in flat and 2 not in flat
        shown_zeros = [
            (r, c) for r, row in enumerate(shown.cells) for c, value in enumerate(row) if value == 0
        ]
        zeros = [(r, c) for r, row in enumerate(counts) for c, v in enumerate(row) if v == 0]
        assert shown_zeros == zeros


def test_counts_and_measures_on_their_own():
    assert [count(n) for n in (0, 1, 2, 3)] == [0, HIDDEN, HIDDEN, 3]
    assert measure(12.5, 5) == 12.5
    assert measure(12.5, 4) == HIDDEN
    assert measure(None, 40) is None
