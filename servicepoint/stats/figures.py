"""The figures of a range: visits per group (by location, organisation, topic, language,
channel, counselor, day, week, month or quarter) with their outcomes, distinct card holders,
median and 90th-percentile wait, service minutes; arrivals by hour of the week; sessions held
and cancelled; the share of the sessions' counselor-time spent serving.

Read from the facts; days whose facts were deleted (``FACT_KEEP_DAYS``) are counted from
the daily aggregates: their visits, outcomes and sums, but no percentiles, card holders,
counselors, desks or arrival hours (those need the facts).

``report`` shapes the figures as rows for JSON and exports; with ``suppressed`` (the
``reporting`` role, every export) small numbers are hidden (``suppression``) and counselors
are not a dimension.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from servicepoint import clock, schedule
from servicepoint.models import (
    Consultation,
    ConsultationChange,
    Location,
    Organisation,
    Staff,
    Topic,
    Visit,
    VisitDay,
    VisitOutcome,
    consultation_staff,
)
from servicepoint.stats import suppression

OUTCOMES = tuple(VisitOutcome)
PERIODS = ("day", "week", "month", "quarter")
GROUPS = ("location", "organisation", "topic", "language", "channel", "counselor")
DIMENSIONS = GROUPS + PERIODS
# Dimensions only managers see (a person's work).
INTERNAL = frozenset({"counselor"})
NONE = "—"


def period(day: date, kind: str) -> str:
    """The label of ``day``'s period: 2026-12-07, 2026-W50, 2026-12, 2026-Q4."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return day.isoformat()


def percentile(values: Sequence[int], share: float) -> float | None:
    """The ``share`` percentile (0.5 the median) of sorted ``values``, interpolated between
    the closest ranks; None for none."""
    if not values:
        return None
    rank = (len(values) - 1) * share
    low, high = math.floor(rank), math.ceil(rank)
    value = values[low] + (values[high] - values[low]) * (rank - low)
    return round(value, 1)


@dataclass
class Group:
    """The visits of one group: per outcome, card holders, waits and service minutes."""

    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    cards: set[int] = field(default_factory=set)
    waits: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    # From aggregates (days without facts): how many waits/services and their sums.
    wait_sum: int = 0
    service_sum: int = 0
    service_count: int = 0
    wait_count: int = 0

    @property
    def visits(self) -> int:
        return sum(self.outcomes.values())

    def merge(self, other: Group) -> None:
        """Add ``other``'s visits to this group's."""
        for outcome, visits in other.outcomes.items():
            self.outcomes[outcome] += visits
        self.cards |= other.cards
        self.waits.extend(other.waits)
        self.services.extend(other.services)
        self.wait_sum += other.wait_sum
        self.wait_count += other.wait_count
        self.service_sum += other.service_sum
        self.service_count += other.service_count

    def as_dict(self, suppressed: bool, min_group: int) -> dict[str, Any]:
        waits = sorted(self.waits)
        wait_count = len(waits) + self.wait_count
        service_count = len(self.services) + self.service_count
        service_total = sum(self.services) + self.service_sum
        exact = self.wait_count == 0  # percentiles only when every wait is known
        values: dict[str, Any] = {
            "wait_median": percentile(waits, 0.5) if exact else None,
            "wait_p90": percentile(waits, 0.9) if exact else None,
            "wait_mean": round((sum(waits) + self.wait_sum) / wait_count, 1)
            if wait_count
            else None,
            "service_median": percentile(sorted(self.services), 0.5)
            if self.service_count == 0
            else None,
            "service_mean": round(service_total / service_count, 1) if service_count else None,
            "service_minutes": service_total if service_count else None,
        }
        if suppressed:
            for name in ("wait_median", "wait_p90", "wait_mean"):
                values[name] = suppression.measure(values[name], wait_count, min_group)
            for name in ("service_median", "service_mean"):
                values[name] = suppression.measure(values[name], service_count, min_group)
            values["service_minutes"] = suppression.measure(
                values["service_minutes"], service_count, min_group
            )
        return values


@dataclass(frozen=True)
class Query:
    """What to count: the locations (None: all), the days (both included), the dimensions,
    and the language topics are named in (German where a topic has no name in it)."""

    location_ids: tuple[int, ...] | None
    first: date
    last: date
    by: tuple[str, ...]
    language: str = "de"


@dataclass
class Figures:
    """The counted groups (keyed by the dimensions' labels), their total, the arrivals by
    hour of the week, sessions held and cancelled, counselor-time and its share used."""

    query: Query
    groups: dict[tuple[str, ...], Group]
    total: Group
    arrivals: list[int]
    sessions_held: int
    sessions_cancelled: int
    counselor_minutes: int
    facts_from: date | None


class _Names:
    """Labels of the ids the facts hold, read once. Topics are grouped by their German names
    (the same rows, and so the same cells hidden, in every language) and then named in the
    query's language (``in_language``)."""

    def __init__(self, session: Session, language: str) -> None:
        self.locations = {
            loc.id: loc.name for loc in session.scalars(select(Location).order_by(Location.id))
        }
        self.organisations = {
            o.id: o.short_name or o.name for o in session.scalars(select(Organisation))
        }
        every_topic = session.scalars(select(Topic)).all()
        self.topics = {t.id: t.name("de") for t in every_topic}
        self.topic_words = _topic_words(every_topic, language)
        self.staff = {
            s.id: s.display_name
            for s in session.scalars(select(Staff).where(Staff.id.in_(select(Visit.staff_id))))
        }

    def label(self, dimension: str, value: Any) -> str:
        """The label of a dimension's raw value (a day for the periods, an id, a code)."""
        if dimension in PERIODS:
            return period(value, dimension)
        names = {
            "location": self.locations,
            "organisation": self.organisations,
            "topic": self.topics,
            "counselor": self.staff,
        }.get(dimension)
        if names is not None:
            return names.get(value or 0, NONE)
        return str(value)

    def in_language(self, by: Sequence[str], key: tuple[str, ...]) -> tuple[str, ...]:
        """A group's labels with its topic (a German name) in the query's language."""
        return tuple(
            self.topic_words.get(label, label) if dimension == "topic" else label
            for dimension, label in zip(by, key, strict=True)
        )


def _topic_words(topics: Sequence[Topic], language: str) -> dict[str, str]:
    """German topic name → its name in ``language``, where that says one thing: a German name
    whose topics are named differently there, or whose name there another row would bear
    too, stays German (rows are never merged or split by the language they are read in)."""
    words: dict[str, set[str]] = defaultdict(set)
    for topic in topics:
        words[topic.name("de")].add(topic.name(language))
    named = {german: next(iter(w)) for german, w in words.items() if len(w) == 1}
    while True:
        labels = [named.get(german, german) for german in words]
        shared = {label for label in labels if labels.count(label) > 1}
        clashing = [german for german, word in named.items() if word in shared and word != german]
        if not clashing:
            return {german: word for german, word in named.items() if word != german}
        for german in clashing:
            del named[german]


# The column of a fact (as selected in ``count``) each dimension groups by.
_FACT_COLUMN = {
    "location": 1,
    "organisation": 2,
    "topic": 3,
    "language": 4,
    "channel": 5,
    "counselor": 10,
    **dict.fromkeys(PERIODS, 0),
}


def _where(model: Any, query: Query) -> list[Any]:
    conditions = [model.service_day >= query.first, model.service_day <= query.last]
    if query.location_ids is not None:
        conditions.append(model.location_id.in_(query.location_ids))
    return conditions


def count(session: Session, query: Query) -> Figures:
    """Count the visits of ``query`` (facts, and aggregates for days without facts).

    Facts are grouped by their raw values first (ids, days), labelled once per group."""
    names = _Names(session, query.language)
    raw: dict[tuple[Any, ...], Group] = defaultdict(Group)
    arrivals = [0] * 168
    with_facts: set[tuple[int, date]] = set()
    columns = [_FACT_COLUMN[d] for d in query.by]
    rows = session.execute(
        select(
            Visit.service_day,
            Visit.location_id,
            Visit.organisation_id,
            Visit.topic_id,
            Visit.language,
            Visit.channel,
            Visit.outcome,
            Visit.arrival_hour,
            Visit.wait_minutes,
            Visit.service_minutes,
            Visit.staff_id,
            Visit.card_id,
        ).where(*_where(Visit, query))
    ).all()
    cancelled_outcome = str(VisitOutcome.CANCELLED)
    for row in rows:
        with_facts.add((row[1], row[0]))
        group = raw[tuple([row[i] for i in columns])]
        group.outcomes[row[6]] += 1
        if row[11] is not None:
            group.cards.add(row[11])
        if row[8] is not None:
            group.waits.append(row[8])
        if row[9] is not None:
            group.services.append(row[9])
        if row[6] != cancelled_outcome:
            arrivals[row[7]] += 1
    facts_from = min((day for _location, day in with_facts), default=None)
    # Facts are deleted oldest first: a location's days from its first fact on have facts.
    first_fact: dict[int, date] = {}
    for location_id, day in with_facts:
        if location_id not in first_fact or day < first_fact[location_id]:
            first_fact[location_id] = day
    without_facts = or_(
        VisitDay.location_id.not_in(list(first_fact)),
        *[
            and_(VisitDay.location_id == location_id, VisitDay.service_day < day)
            for location_id, day in first_fact.items()
        ],
    )
    aggregate_columns = {
        "location": VisitDay.location_id,
        "organisation": VisitDay.organisation_id,
        "topic": VisitDay.topic_id,
        "language": VisitDay.language,
        "channel": VisitDay.channel,
        "counselor": None,
    }
    aggregates = session.execute(
        select(
            VisitDay.location_id,
            VisitDay.service_day,
            VisitDay.outcome,
            func.sum(VisitDay.visits),
            func.sum(VisitDay.waits),
            func.sum(VisitDay.wait_minutes),
            func.sum(VisitDay.services),
            func.sum(VisitDay.service_minutes),
            *[
                column
                for d in query.by
                if d not in PERIODS and (column := aggregate_columns[d]) is not None
            ],
        )
        .where(*_where(VisitDay, query), without_facts)
        .group_by(
            VisitDay.location_id,
            VisitDay.service_day,
            VisitDay.outcome,
            *[
                column
                for d in query.by
                if d not in PERIODS and (column := aggregate_columns[d]) is not None
            ],
        )
    ).all()
    for aggregate in aggregates:
        location_id, day, outcome, visits, waits, wait_sum, services, service_sum, *values = (
            aggregate
        )
        if (location_id, day) in with_facts:
            continue
        found = iter(values)
        key = tuple(
            day if d in PERIODS else None if aggregate_columns[d] is None else next(found)
            for d in query.by
        )
        group = raw[key]
        group.outcomes[outcome] += visits
        group.wait_count += waits
        group.wait_sum += wait_sum
        group.service_count += services
        group.service_sum += service_sum
    groups: dict[tuple[str, ...], Group] = defaultdict(Group)
    total = Group()
    labels: dict[tuple[str, Any], str] = {}
    for key, group in raw.items():
        labelled = []
        for dimension, value in zip(query.by, key, strict=True):
            if (dimension, value) not in labels:
                labels[dimension, value] = names.label(dimension, value)
            labelled.append(labels[dimension, value])
        for target in (groups[tuple(labelled)], total):
            target.merge(group)
    named = {names.in_language(query.by, key): group for key, group in groups.items()}
    held, cancelled, minutes = _sessions(session, query)
    return Figures(query, named, total, arrivals, held, cancelled, minutes, facts_from)


def _sessions(session: Session, query: Query) -> tuple[int, int, int]:
    """Sessions held up to today and cancelled in the range, and their counselor-minutes."""
    locations = session.scalars(
        select(Location).where(Location.id.in_(query.location_ids))
        if query.location_ids is not None
        else select(Location)
    ).all()
    staffed: dict[int, int] = dict(
        session.execute(
            select(consultation_staff.c.consultation_id, func.count()).group_by(
                consultation_staff.c.consultation_id
            )
        ).all()
    )
    held = minutes = 0
    for location in locations:
        last = min(query.last, clock.service_day(clock.now(), location.timezone))
        for occurrence in schedule.occurrences(session, location, query.first, last):
            held += 1
            length = int((occurrence.end - occurrence.start).total_seconds() // 60)
            minutes += length * max(1, staffed.get(occurrence.consultation_id, 0))
    cancelled_query = (
        select(func.count())
        .select_from(ConsultationChange)
        .join(Consultation, Consultation.id == ConsultationChange.consultation_id)
        .where(
            ConsultationChange.cancelled.is_(True),
            ConsultationChange.day >= query.first,
            ConsultationChange.day <= query.last,
        )
    )
    if query.location_ids is not None:
        cancelled_query = cancelled_query.where(Consultation.location_id.in_(query.location_ids))
    cancelled = session.scalar(cancelled_query) or 0
    return held, cancelled, minutes


# --- rows for JSON and exports -------------------------------------------------------------

COLUMNS = (
    "visits",
    *OUTCOMES,
    "card_holders",
    "wait_median",
    "wait_p90",
    "wait_mean",
    "service_median",
    "service_mean",
    "service_minutes",
)


def report(figures: Figures, suppressed: bool, min_group: int = 5) -> dict[str, Any]:
    """The figures as rows: ``{"by", "columns", "rows": [{dimension: label, …, column:
    value}], "total", "arrivals" (7 days of 24 hours, Monday first), "sessions",
    "suppressed"}``; with ``suppressed`` the outcome counts form a table (groups by
    outcomes, totals both ways) whose small numbers are hidden, card holders and sessions
    are hidden at 1 and 2, the arrivals as a table of their own (days by hours), waits and
    durations below ``min_group``, a line's service minutes (and the share of capacity)
    where its number served is hidden."""
    keys = sorted(figures.groups)
    groups = [figures.groups[key] for key in keys]
    counts = [[group.outcomes[o] for o in OUTCOMES] for group in groups]
    if suppressed and counts:
        table = suppression.suppress(counts)
        cells: list[list[Any]] = table.cells
        visits: list[Any] = table.row_totals or []
        total_cells: list[Any] = table.column_totals or []
        total_visits: Any = table.total
    else:
        cells = [list(row) for row in counts]
        visits = [sum(row) for row in counts]
        total_cells = [figures.total.outcomes[o] for o in OUTCOMES]
        total_visits = figures.total.visits

    def card_holders(group: Group) -> Any:
        known = len(group.cards)
        return suppression.count(known) if suppressed else known

    def line(group: Group, counted: dict[str, Any]) -> dict[str, Any]:
        values = counted | {"card_holders": card_holders(group)}
        values.update(group.as_dict(suppressed, min_group))
        if suppressed and counted[VisitOutcome.SERVED] == suppression.HIDDEN:
            # Minutes over their mean give the number of services, which is the number
            # served (only a served visit has service minutes): hidden with it.
            values["service_minutes"] = suppression.HIDDEN
        return values

    rows = []
    for key, group, outcome_cells, visit_count in zip(keys, groups, cells, visits, strict=True):
        row: dict[str, Any] = dict(zip(figures.query.by, key, strict=True))
        counted = {"visits": visit_count, **dict(zip(OUTCOMES, outcome_cells, strict=True))}
        row.update(line(group, counted))
        rows.append(row)
    total = line(
        figures.total,
        {"visits": total_visits, **dict(zip(OUTCOMES, total_cells, strict=True))},
    )
    return {
        "from": figures.query.first.isoformat(),
        "to": figures.query.last.isoformat(),
        "by": list(figures.query.by),
        "columns": list(COLUMNS),
        "rows": rows,
        "total": total,
        "arrivals": _arrivals(figures.arrivals, suppressed),
        "sessions": _sessions_report(figures, total, suppressed),
        "facts_from": figures.facts_from.isoformat() if figures.facts_from else None,
        "suppressed": suppressed,
    }


def _arrivals(arrivals: Sequence[int], suppressed: bool) -> list[list[Any]]:
    """The arrivals as 7 days of 24 hours; suppressed, as a table whose days and hours have
    totals (their sum is the visits not cancelled): no day or hour with a lone hidden cell."""
    days = [list(arrivals[day * 24 : day * 24 + 24]) for day in range(7)]
    if not suppressed:
        return days
    return suppression.suppress(days).cells


def _sessions_report(figures: Figures, total: dict[str, Any], suppressed: bool) -> dict[str, Any]:
    """Sessions held and cancelled, their counselor-minutes and the share spent serving;
    suppressed, 1 and 2 sessions are hidden, and the share where the service minutes are
    (it times the counselor-minutes gives them)."""
    used = figures.total.service_count + len(figures.total.services)
    service_total = sum(figures.total.services) + figures.total.service_sum
    share: Any = (
        round(service_total / figures.counselor_minutes, 3)
        if figures.counselor_minutes and used
        else None
    )
    held: Any = figures.sessions_held
    cancelled: Any = figures.sessions_cancelled
    if suppressed:
        held, cancelled = suppression.count(held), suppression.count(cancelled)
        if share is not None and total["service_minutes"] in (suppression.HIDDEN, None):
            share = suppression.HIDDEN
    return {
        "held": held,
        "cancelled": cancelled,
        "counselor_minutes": figures.counselor_minutes,
        "share_used": share,
    }


def table_rows(report_: dict[str, Any]) -> Iterable[list[Any]]:
    """The report as a table for exports: a header, a row per group, the total."""
    by = report_["by"]
    columns = report_["columns"]
    yield [*by, *columns]
    for row in report_["rows"]:
        yield [*(row[d] for d in by), *(_cell(row[c]) for c in columns)]
    yield [
        *(["Total"] + [""] * (len(by) - 1) if by else []),
        *(_cell(report_["total"][c]) for c in columns),
    ]


def _cell(value: Any) -> Any:
    return "" if value is None else value
