"""``servicepoint demo --history DAYS``: plausible past visits as facts with their daily
aggregates, once; a manager then sees a quarter of them. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from servicepoint import clock
from servicepoint.models import Visit, VisitDay
from servicepoint.stats import figures


def test_history_is_written_once_and_counted(runner, session):
    with clock.frozen(datetime(2026, 12, 4, 9, tzinfo=UTC)):
        made = runner.invoke(["demo", "--history", "120"])
        assert made.exit_code == 0, made.output
        assert "Past visits written:" in made.output
        facts = session.scalar(select(func.count()).select_from(Visit))
        assert facts > 1000
        again = runner.invoke(["demo", "--history", "120"])
        assert again.exit_code == 0, again.output
        assert "Past visits written: 0" in again.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Visit)) == facts
    assert session.scalar(select(func.sum(VisitDay.visits))) == facts
    days = set(session.scalars(select(Visit.service_day)))
    assert max(days) == date(2026, 12, 3) and all(d.weekday() < 5 for d in days)
    assert date(2026, 10, 3) not in days  # German Unity Day
    query = figures.Query(None, date(2026, 10, 1), date(2026, 12, 31), ("month", "language"))
    report = figures.report(figures.count(session, query), suppressed=False)
    months = {row["month"] for row in report["rows"]}
    assert months == {"2026-10", "2026-11", "2026-12"}
    languages = {row["language"] for row in report["rows"]}
    assert {"ar", "uk", "fa", "de"} <= languages
    assert report["total"]["wait_median"] is not None
    assert report["sessions"]["held"] > 0
