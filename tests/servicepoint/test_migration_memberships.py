"""Migration 0007 carries staff forward: from one role and a list of topics to memberships
per location, and back again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from servicepoint.db import Database
from servicepoint.migrate import downgrade, upgrade
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL, _postgres_admin


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A new database of ``backend`` without any schema; dropped afterwards."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / f'old-{uuid.uuid4().hex[:8]}.sqlite3'}")
        try:
            yield database.engine
        finally:
            database.dispose()
        return
    admin = _postgres_admin()
    name = f"servicepoint_migrate_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield database.engine
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert(connection, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return connection.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values
    ).scalar_one()


def _old_installation(engine: Engine) -> dict[str, int]:
    """Two locations with two topics each, a manager and two counselors as revision 0006
    kept them: one role each, and the topics a counselor chose (at both locations)."""
    ids: dict[str, int] = {}
    with engine.begin() as connection:
        for slug in ("leverkusen", "duisburg-hamborn"):
            ids[slug] = _insert(
                connection,
                "location",
                slug=slug,
                name=slug.title(),
                address="",
                timezone="Europe/Berlin",
                active=True,
            )
            for position, key in enumerate(("residence", "language")):
                ids[f"{slug}/{key}"] = _insert(
                    connection,
                    "topic",
                    location_id=ids[slug],
                    key=key,
                    prefix="AB"[position],
                    names=f'{{"de": "{key}"}}',
                    active=True,
                    position=position,
                )
        for username, role in (
            ("leitung", "manager"),
            ("chose", "counselor"),
            ("all", "counselor"),
        ):
            ids[username] = _insert(
                connection,
                "staff",
                username=username,
                display_name=username,
                password_hash="x",
                role=role,
                active=True,
            )
        # A ticket the counselor served at a desk: rows that point at the staff member, the
        # desk and the topic while their tables are rebuilt.
        ids["desk"] = _insert(
            connection,
            "desk",
            location_id=ids["leverkusen"],
            name="Raum 1",
            active=True,
            position=0,
        )
        ids["ticket"] = _insert(
            connection,
            "ticket",
            location_id=ids["leverkusen"],
            topic_id=ids["leverkusen/residence"],
            service_day=date(2026, 12, 3),
            prefix="A",
            number=1,
            code="A001",
            state="done",
            language="de",
            issued_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
            desk_id=ids["desk"],
            staff_id=ids["chose"],
            call_count=1,
            public_token="t" * 32,
            version=3,
        )
        for topic in ("leverkusen/residence", "duisburg-hamborn/language"):
            connection.execute(
                text("INSERT INTO staff_topic (staff_id, topic_id) VALUES (:staff, :topic)"),
                {"staff": ids["chose"], "topic": ids[topic]},
            )
    return ids


def _memberships(engine: Engine) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """(username, location, role there, topics served there) of every membership."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.id, s.username, l.slug, m.role FROM membership m "
                "JOIN staff s ON s.id = m.staff_id JOIN location l ON l.id = m.location_id"
            )
        ).all()
        topics: dict[int, list[str]] = {}
        for membership_id, key in connection.execute(
            text(
                "SELECT mt.membership_id, t.key FROM membership_topic mt "
                "JOIN topic t ON t.id = mt.topic_id"
            )
        ):
            topics.setdefault(membership_id, []).append(key)
    return {(u, slug, role, tuple(sorted(topics.get(mid, [])))) for mid, u, slug, role in rows}


def _ticket(engine: Engine, ticket_id: int) -> tuple[int, int, str]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT desk_id, staff_id, code FROM ticket WHERE id = :id"), {"id": ticket_id}
        ).one()
    return (row.desk_id, row.staff_id, row.code)


def _roles(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT username, role FROM staff")).all())


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_staff_become_members_of_every_location_and_back(backend_name, tmp_path):
    with empty_database(backend_name, tmp_path) as engine:
        upgrade(engine, "0006")
        ids = _old_installation(engine)

        upgrade(engine)

        assert _roles(engine) == {"leitung": "admin", "chose": "staff", "all": "staff"}
        assert _ticket(engine, ids["ticket"]) == (ids["desk"], ids["chose"], "A001")
        assert _memberships(engine) == {
            ("leitung", "leverkusen", "manager", ()),
            ("leitung", "duisburg-hamborn", "manager", ()),
            ("chose", "leverkusen", "counselor", ("residence",)),
            ("chose", "duisburg-hamborn", "counselor", ("language",)),
            ("all", "leverkusen", "counselor", ()),
            ("all", "duisburg-hamborn", "counselor", ()),
        }

        downgrade(engine, "0006")

        assert _roles(engine) == {"leitung": "manager", "chose": "counselor", "all": "counselor"}
        assert _ticket(engine, ids["ticket"]) == (ids["desk"], ids["chose"], "A001")
        with engine.connect() as connection:
            chosen = set(connection.execute(text("SELECT staff_id, topic_id FROM staff_topic")))
        assert chosen == {
            (ids["chose"], ids["leverkusen/residence"]),
            (ids["chose"], ids["duisburg-hamborn/language"]),
        }
