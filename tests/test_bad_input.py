"""Every bad input a clear 4xx, never a 500, and nothing changed; a busy or read-only
database a 503 with ``Retry-After``; bad Socket.IO ``auth`` a refused connection.

The catalogue runs on SQLite and PostgreSQL (the ``db``-backed ``client``): NUL bytes, lone
surrogates, control characters, bidi overrides, zero-width characters and letters whose
case mapping grows (``İ``, ``ß``) in every place input enters. Bodies are sent as JSON text
with ``ensure_ascii`` (what ``json.dumps`` writes), so a lone surrogate travels as the
escape ``"\\ud800"`` exactly as a hostile client would send it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.orm import Session

from servicepoint import create_app
from servicepoint.db import Database, WriteLockTimeout
from servicepoint.errors import InvalidInput
from servicepoint.models import (
    Desk,
    Kiosk,
    Location,
    PrintJob,
    Role,
    Staff,
    Ticket,
    TicketCounter,
    TicketEvent,
    Topic,
)
from servicepoint.text import (
    LANGUAGE,
    PREFIX,
    SLUG,
    TICKET_TOKEN,
    TOPIC_KEY,
    USERNAME,
    clean_key,
    clean_text,
    shown,
)
from tests.conftest import PASSWORD, Factory, fresh_database

NUL = "\x00"
SURROGATE = "\ud800"
RLO = "\u202e"  # right-to-left override
ZWSP = "\u200b"  # zero-width space
NBSP = "\u00a0"
DOTTED_I = "İ"  # lower-cases to two characters
SHARP_S = "ß"  # upper-cases to "SS"
TABLES = (Location, Topic, Desk, Staff, Kiosk, Ticket, TicketEvent, TicketCounter, PrintJob)
DRAW = "/api/v1/locations/test-centre/tickets"


def counts(session: Session) -> dict[str, int]:
    """How many rows each table holds (what a refused request must leave as it was)."""
    found = {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in TABLES
    }
    session.commit()
    return found


def send(client, method: str, url: str, body=None, raw: str | None = None):
    """``body`` as JSON text with every non-ASCII character escaped (lone surrogates too)."""
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    kwargs = {"data": data, "content_type": "application/json"} if data is not None else {}
    return client.open(url, method=method, **kwargs)


def assert_refused(response, status: int, error: str, field: str | None):
    assert response.status_code == status, response.get_data(as_text=True)
    if response.is_json:
        assert response.json["error"] == error
        assert response.json.get("field") == field
        assert response.json["message"]
        # What the message echoes is shown, never hidden or reordering characters.
        for character in (NUL, RLO, ZWSP, SURROGATE):
            assert character not in response.json["message"]


@pytest.fixture
def manager(factory: Factory) -> Staff:
    return factory.staff("leitung", role=Role.MANAGER)


# --- the rules themselves -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  Raum\u00a0 1\t", "Raum 1"),  # NBSP, runs of spaces, tab, the ends
        ("Raum\u202f\u20071", "Raum 1"),  # narrow no-break and figure space
        ("Cafe\u0301", "Café"),  # NFC: one character, as the column counts
        ("Beratung\nfür Familien", "Beratung für Familien"),
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian spelling keeps its ZWNJ
        ("\u0627\u0644\u0633\u0643\u0646", "السكن"),
    ],
)
def test_names_are_normalised(raw, cleaned):
    assert clean_text(raw, "name", 200) == cleaned


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (f"Raum{NUL}1", "bad_characters"),
        ("Raum\x1b[31m", "bad_characters"),  # C0: an escape sequence
        ("Raum\x851", "bad_characters"),  # C1: next line
        (f"Raum{SURROGATE}", "bad_characters"),
        (f"{RLO}1 muaR", "invisible_characters"),
        ("\u2066Raum\u2069", "invisible_characters"),  # isolates
        ("\u202aRaum", "invisible_characters"),  # embedding
        (f"Raum{ZWSP}1", "invisible_characters"),
        ("Ra\u200dum", "invisible_characters"),  # a joiner between Latin letters
        ("Raum\u2060", "invisible_characters"),
        ("\ufeffRaum", "invisible_characters"),
        ("Ra\u00adum", "invisible_characters"),  # soft hyphen
        ("\u3164", "invisible_characters"),  # Hangul filler: a blank-looking name
        ("\u00a0\u2003 ", "empty"),
        ("x" * 201, "too_long"),
        ("e\u0301" * 150, None),  # 300 code points, 150 characters once composed
    ],
)
def test_names_refuse_what_is_hidden_and_count_after_normalising(raw, key):
    if key is None:
        assert len(clean_text(raw, "name", 200)) == 150
        return
    with pytest.raises(InvalidInput) as refused:
        clean_text(raw, "name", 200)
    assert (refused.value.key, refused.value.field) == (key, "name")


@pytest.mark.parametrize(
    ("rule", "raw", "cleaned", "key"),
    [
        (SLUG, " Duisburg-Hamborn ", "duisburg-hamborn", None),
        (SLUG, f"{DOTTED_I}stanbul", None, "bad_slug"),
        (SLUG, DOTTED_I * 64, None, "bad_slug"),  # 128 characters once lower-cased
        (SLUG, "leverkusen\n", "leverkusen", None),
        (SLUG, "lever\nkusen", None, "bad_slug"),
        (TOPIC_KEY, "\u212a", None, "bad_key"),  # the Kelvin sign would become "k"
        (TOPIC_KEY, f"general{ZWSP}", None, "bad_key"),
        (TOPIC_KEY, f"gen{NUL}eral", None, "bad_characters"),
        (PREFIX, "a", "A", None),
        (PREFIX, SHARP_S, None, "bad_prefix"),
        (PREFIX, "AB", None, "bad_prefix"),
        (PREFIX, "Ä", None, "bad_prefix"),
        (LANGUAGE, "DE", "de", None),
        (LANGUAGE, "pt-BR", "pt-br", None),
        (LANGUAGE, DOTTED_I * 8, None, "bad_language"),
        (LANGUAGE, "de-abcdefg", None, "too_long"),
        (USERNAME, "Leitung", "leitung", None),
        (USERNAME, f"{DOTTED_I}lker", None, "bad_username"),
        (USERNAME, f"lei{SURROGATE}", None, "bad_characters"),
        (USERNAME, "   ", None, "empty"),
    ],
)
def test_keys_are_ascii_and_case_mapped_before_their_length_is_checked(rule, raw, cleaned, key):
    if key is None:
        assert clean_key(raw, "f", rule) == cleaned
        return
    with pytest.raises(InvalidInput) as refused:
        clean_key(raw, "f", rule)
    assert (refused.value.key, refused.value.field) == (key, "f")


def test_lookups_treat_malformed_values_as_naming_nothing():
    assert TICKET_TOKEN.matches("x" * 22)
    for value in (None, 5, "", NUL * 22, SURROGATE * 22, "ä" * 22, "x" * 33, "x" * 15):
        assert not TICKET_TOKEN.matches(value)


def test_echoed_values_show_hidden_characters_by_their_code_point():
    assert shown(f"a{RLO}b{NUL}c{SURROGATE}") == "a<U+202E>b<U+0000>c<U+D800>"
    assert shown("x" * 50) == "x" * 40 + "…"


# --- anonymous endpoints ------------------------------------------------------------------

ANONYMOUS = [
    # drawing a ticket: topic, language, request_id, kiosk
    ("POST", DRAW, {"topic": DOTTED_I}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": f"gene{NUL}ral"}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": f"{RLO}general"}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": f"general{ZWSP}"}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": SURROGATE}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": "general\x07"}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": f"gene{NBSP}ral"}, 400, "invalid", "topic"),
    ("POST", DRAW, {"topic": "housing"}, 404, "not_found", "topic"),
    ("POST", DRAW, {"topic": "general", "language": DOTTED_I * 5}, 400, "invalid", "language"),
    ("POST", DRAW, {"topic": "general", "language": f"de{NUL}"}, 400, "invalid", "language"),
    ("POST", DRAW, {"topic": "general", "language": SURROGATE}, 400, "invalid", "language"),
    ("POST", DRAW, {"topic": "general", "language": f"d{ZWSP}e"}, 400, "invalid", "language"),
    ("POST", DRAW, {"topic": "general", "request_id": f"t{NUL}"}, 400, "invalid", "request_id"),
    ("POST", DRAW, {"topic": "general", "request_id": "tap 1"}, 400, "invalid", "request_id"),
    ("POST", DRAW, {"topic": "general", "request_id": "ä" * 40}, 400, "invalid", "request_id"),
    ("POST", DRAW, {"topic": "general", "request_id": SURROGATE}, 400, "invalid", "request_id"),
    ("POST", DRAW, {"topic": "general", "kiosk": NUL * 32}, 400, "invalid", "kiosk"),
    ("POST", DRAW, {"topic": "general", "kiosk": SURROGATE * 32}, 400, "invalid", "kiosk"),
    ("POST", DRAW, {"topic": "general", "kiosk": RLO * 32}, 404, "unknown_kiosk", "kiosk"),
    ("POST", DRAW, {"topic": "general", "kiosk": DOTTED_I * 32}, 404, "unknown_kiosk", "kiosk"),
    # locations named in the URL
    ("GET", "/api/v1/locations/te%00st/topics", None, 404, "not_found", None),
    ("GET", f"/api/v1/locations/{quote(DOTTED_I)}stanbul/topics", None, 404, "not_found", None),
    ("GET", f"/api/v1/locations/{quote(RLO)}x/display", None, 404, "not_found", None),
    ("GET", "/api/v1/locations/%ED%A0%80/display", None, 404, "not_found", None),
    ("POST", "/api/v1/locations/%00/tickets", {"topic": "general"}, 404, "not_found", None),
    ("GET", "/api/v1/locations/test-centre%00/desks", None, 404, "not_found", None),
    ("GET", "/kiosk/test-centre%00", None, 404, None, None),
    ("GET", f"/display/{quote(ZWSP)}test-centre", None, 404, None, None),
    # tickets named by their token (the phone's link)
    ("GET", "/api/v1/tickets/%00", None, 404, "not_found", None),
    ("GET", "/api/v1/tickets/" + "a%00" * 11, None, 404, "not_found", None),
    ("GET", "/api/v1/tickets/" + quote(DOTTED_I * 22), None, 404, "not_found", None),
    ("GET", "/api/v1/tickets/" + quote(RLO * 22), None, 404, "not_found", None),
    ("POST", "/api/v1/tickets/%00/cancel", None, 404, "not_found", None),
    ("GET", "/t/%00", None, 404, None, None),
    ("GET", "/t/" + quote(SURROGATE.encode("utf-8", "surrogatepass")), None, 404, None, None),
    ("GET", "/t/" + quote(ZWSP * 22) + "/qr.svg", None, 404, None, None),
    # signing in
    ("POST", "/api/v1/session", {"username": f"leit{NUL}ung"}, 400, "invalid", "username"),
    ("POST", "/api/v1/session", {"username": SURROGATE}, 400, "invalid", "username"),
    ("POST", "/api/v1/session", {"username": f"{DOTTED_I}lker"}, 401, "not_signed_in", None),
    ("POST", "/api/v1/session", {"username": SHARP_S * 64}, 401, "not_signed_in", None),
    ("POST", "/api/v1/session", {"username": f"{RLO}leitung"}, 401, "not_signed_in", None),
    ("POST", "/api/v1/session", {"username": "lei\x1bung"}, 400, "invalid", "username"),
    ("POST", "/api/v1/session", {"password": f"x{SURROGATE}"}, 400, "invalid", "password"),
    ("POST", "/api/v1/session", {"password": f"x{NUL}"}, 400, "invalid", "password"),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "error", "field"),
    ANONYMOUS,
    ids=[f"{m} {u} {json.dumps(b)[:40] if b else ''}" for m, u, b, *_ in ANONYMOUS],
)
def test_anonymous_bad_input_is_refused_and_changes_nothing(
    client, session, centre, manager, method, url, body, status, error, field
):
    if url == "/api/v1/session":
        body = {"username": "leitung", "password": PASSWORD, **body}
    before = counts(session)
    response = send(client, method, url, body)
    assert_refused(response, status, error, field)
    assert counts(session) == before


def test_a_lone_surrogate_escape_in_raw_json_is_refused(client, session, centre):
    before = counts(session)
    raw = '{"topic": "general", "request_id": "tap-\\ud800"}'
    assert_refused(send(client, "POST", DRAW, raw=raw), 400, "invalid", "request_id")
    raw = '{"topic": "gen\\u0000eral"}'
    assert_refused(send(client, "POST", DRAW, raw=raw), 400, "invalid", "topic")
    assert counts(session) == before


def test_well_formed_input_still_draws_a_ticket(client, session, centre):
    drawn = send(
        client, "POST", DRAW, {"topic": " General ", "language": "UK", "request_id": "tap-1/a"}
    )
    assert drawn.status_code == 201
    assert (drawn.json["topic"], drawn.json["language"]) == ("general", "uk")
    again = send(client, "GET", f"/api/v1/tickets/{drawn.json['token']}")
    assert again.status_code == 200
    assert session.scalar(select(Ticket.request_id)) == "tap-1/a"


# --- managers' endpoints ------------------------------------------------------------------

TOPICS = "/api/v1/locations/test-centre/topics"
DESKS = "/api/v1/locations/test-centre/desks"
KIOSKS = "/api/v1/locations/test-centre/kiosks"


def topic(**changes):
    return {"key": "housing", "prefix": "H", "names": {"de": "Wohnen"}, **changes}


def place(**changes):
    return {"slug": "nord", "name": "Nord", **changes}


def member(**changes):
    return {"username": "ab", "password": PASSWORD, **changes}


def kiosk(**changes):
    return {"name": "Eingang", **changes}


LOCATIONS = "/api/v1/locations"
STAFF = "/api/v1/staff"


MANAGER = [
    # locations
    ("POST", LOCATIONS, place(slug=f"{DOTTED_I}stanbul"), 400, "slug"),
    ("POST", LOCATIONS, place(slug=DOTTED_I * 40), 400, "slug"),
    ("POST", LOCATIONS, place(slug=f"nord{NUL}"), 400, "slug"),
    ("POST", LOCATIONS, place(slug=f"nord{ZWSP}"), 400, "slug"),
    ("POST", LOCATIONS, place(name=f"{RLO}droN"), 400, "name"),
    ("POST", LOCATIONS, place(name=f"No{ZWSP}rd"), 400, "name"),
    ("POST", LOCATIONS, place(name=f"Nord{NUL}"), 400, "name"),
    ("POST", LOCATIONS, place(name=f"Nord{SURROGATE}"), 400, "name"),
    ("POST", LOCATIONS, place(name=f"{NBSP}\u2007"), 400, "name"),
    ("POST", LOCATIONS, place(address="\u2066x"), 400, "address"),
    ("POST", LOCATIONS, place(timezone=f"UTC{NUL}"), 400, "timezone"),
    ("PATCH", "/api/v1/locations/test-centre", {"name": "Nord\x1b[2J"}, 400, "name"),
    ("PATCH", "/api/v1/locations/test-centre", {"name": f"Nord{RLO}"}, 400, "name"),
    ("PATCH", "/api/v1/locations/te%00st", {"name": "Nord"}, 404, None),
    # topics: keys, prefixes, names per language
    ("POST", TOPICS, topic(key=DOTTED_I), 400, "key"),
    ("POST", TOPICS, topic(key=f"hou{ZWSP}sing"), 400, "key"),
    ("POST", TOPICS, topic(key=f"housing{NUL}"), 400, "key"),
    ("POST", TOPICS, topic(key=SURROGATE), 400, "key"),
    ("POST", TOPICS, topic(prefix=SHARP_S), 400, "prefix"),
    ("POST", TOPICS, topic(prefix=DOTTED_I), 400, "prefix"),
    ("POST", TOPICS, topic(prefix=NUL), 400, "prefix"),
    ("POST", TOPICS, topic(prefix=RLO), 400, "prefix"),
    ("POST", TOPICS, topic(names={"de": f"{RLO}nenhoW"}), 400, "names.de"),
    ("POST", TOPICS, topic(names={"de": f"Woh{ZWSP}nen"}), 400, "names.de"),
    ("POST", TOPICS, topic(names={"de": "Woh\x07nen"}), 400, "names.de"),
    ("POST", TOPICS, topic(names={"de": f"Wohnen{SURROGATE}"}), 400, "names.de"),
    ("POST", TOPICS, topic(names={"de": "Wohnen", "en": "\u2067Housing"}), 400, "names.en"),
    ("POST", TOPICS, topic(names={f"de{NUL}": "Wohnen"}), 400, "names"),
    ("POST", TOPICS, topic(names={"de": "Wohnen", DOTTED_I: "x"}), 400, "names"),
    ("POST", TOPICS, topic(names={"de": "Wohnen", f"en{ZWSP}": "x"}), 400, "names"),
    ("POST", TOPICS, topic(names={"de": f"{NBSP}{ZWSP}"}), 400, "names.de"),
    ("PATCH", f"{TOPICS}/general", {"prefix": SHARP_S}, 400, "prefix"),
    ("PATCH", f"{TOPICS}/general", {"names": {"de": f"Allg{RLO}"}}, 400, "names.de"),
    ("PATCH", f"{TOPICS}/gen%00eral", {"prefix": "G"}, 404, None),
    ("PATCH", f"{TOPICS}/{quote(DOTTED_I)}", {"prefix": "G"}, 404, None),
    # desks
    ("POST", DESKS, {"name": f"Raum{NBSP}1"}, 409, "name"),  # looks like "Raum 1": it is
    ("POST", DESKS, {"name": f"Raum 1{ZWSP}"}, 400, "name"),
    ("POST", DESKS, {"name": "\u2067Raum 3"}, 400, "name"),
    ("POST", DESKS, {"name": f"Raum{NUL}3"}, 400, "name"),
    ("POST", DESKS, {"name": "Raum\x853"}, 400, "name"),
    # staff
    ("POST", STAFF, member(username=f"{DOTTED_I}lker"), 400, "username"),
    ("POST", STAFF, member(username=SHARP_S * 40), 400, "username"),
    ("POST", STAFF, member(username=f"a{NUL}b"), 400, "username"),
    ("POST", STAFF, member(display_name=RLO), 400, "display_name"),
    ("POST", STAFF, member(password=f"{PASSWORD}{SURROGATE}"), 400, "password"),
    ("POST", STAFF, member(role=f"manager{NUL}"), 400, "role"),
    # kiosks
    ("POST", KIOSKS, {"name": f"{ZWSP}Eingang"}, 400, "name"),
    ("POST", KIOSKS, {"name": f"Eingang{RLO}"}, 400, "name"),
    (
        "POST",
        KIOSKS,
        kiosk(printer_mode="agent", printer_uri=f"usb://1:2{NUL}"),
        400,
        "printer_uri",
    ),
    ("POST", KIOSKS, kiosk(printer_profile=f"TM{SURROGATE}"), 400, "printer_profile"),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "field"),
    MANAGER,
    ids=[f"{m} {u} {json.dumps(b)[:50]}" for m, u, b, *_ in MANAGER],
)
def test_managers_bad_input_is_refused_and_changes_nothing(
    client, session, centre, manager, auth, method, url, body, status, field
):
    auth.login("leitung")
    before = counts(session)
    names = session.scalars(select(Location.name)).all()
    response = send(client, method, url, body)
    error = {400: "invalid", 404: "not_found", 409: "duplicate"}[status]
    assert_refused(response, status, error, field)
    assert counts(session) == before
    assert session.scalars(select(Location.name)).all() == names
    assert {t.prefix: t.names for t in centre.topics} == {
        "A": {"de": "General", "en": "General"},
        "B": {"de": "Language", "en": "Language"},
    }


def test_managers_bad_input_by_id_is_refused(client, session, centre, manager, auth):
    auth.login("leitung")
    desk = centre.desks[0].id
    ticket = send(client, "POST", DRAW, {"topic": "general"}).json
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.code == ticket["code"]))
    before = counts(session)
    for url, body, field in [
        (f"/api/v1/desks/{desk}", {"name": f"Raum{RLO}1"}, "name"),
        (f"/api/v1/desks/{desk}", {"name": "\x1f"}, "name"),
        (f"/api/v1/tickets/{ticket_id}/transfer", {"topic": DOTTED_I}, "topic"),
        (f"/api/v1/tickets/{ticket_id}/transfer", {"topic": SURROGATE}, "topic"),
        (f"/api/v1/staff/{manager.id}", {"display_name": f"Lei{ZWSP}tung"}, "display_name"),
        (f"/api/v1/staff/{manager.id}", {"role": SURROGATE}, "role"),
    ]:
        method = "POST" if "transfer" in url else "PATCH"
        assert_refused(send(client, method, url, body), 400, "invalid", field)
    assert counts(session) == before
    assert session.get(Desk, desk).name == "Raum 1"
    preview = client.get(f"/api/v1/printers/preview.png?language={quote(DOTTED_I * 4)}")
    assert_refused(preview, 400, "invalid", "language")


def test_names_are_stored_cleaned(client, session, centre, manager, auth):
    auth.login("leitung")
    desk = send(client, "POST", DESKS, {"name": f"  Raum{NBSP}{NBSP}3 "})
    assert desk.status_code == 201 and desk.json["name"] == "Raum 3"
    created = send(
        client,
        "POST",
        TOPICS,
        topic(key=" Housing ", prefix="h", names={"de": "Cafe\u0301", "fa": "می\u200cخواهم"}),
    )
    assert created.status_code == 201
    assert (created.json["key"], created.json["prefix"]) == ("housing", "H")
    stored = session.scalar(select(Topic).where(Topic.key == "housing"))
    assert stored.names == {"de": "Café", "fa": "می\u200cخواهم"}


# --- a database that cannot take the change: 503 ------------------------------------------


def assert_unavailable(response, key_words: str):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.json["error"] == "unavailable"
    assert key_words in response.json["message"]
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def read_only(db: Database, session):
    """The test's database refusing every write, as a read-only database does: PostgreSQL
    ``transaction_read_only`` (what ``default_transaction_read_only`` gives each transaction),
    SQLite ``query_only`` (what a read-only file gives)."""
    session.commit()
    connection = db.sessionmaker.kw["bind"]
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        yield
        return
    connection.exec_driver_sql("PRAGMA query_only = ON")
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA query_only = OFF")


def test_a_read_only_database_answers_503_and_changes_nothing(client, session, centre, read_only):
    before = counts(session)
    response = send(client, "POST", DRAW, {"topic": "general"})
    assert_unavailable(response, "takes no changes")
    german = client.post(DRAW, json={"topic": "general"}, headers={"Accept-Language": "de"})
    assert_unavailable(german, "keine Änderungen")
    assert client.get("/api/v1/locations/test-centre/topics").status_code == 200  # reads work
    assert counts(session) == before


@pytest.fixture
def failing_commit(db: Database):
    """Make the next commit of an app's session fail with ``error`` (a real commit's
    failures: the lock lost, the server gone, the database turned read-only meanwhile)."""
    armed: list[BaseException] = []

    def fail(_session) -> None:
        if armed:
            raise armed.pop()

    event.listen(db.sessionmaker, "before_commit", fail)
    yield armed.append
    event.remove(db.sessionmaker, "before_commit", fail)


def _read_only_error() -> InternalError:
    from psycopg import errors

    return InternalError("COMMIT", {}, errors.ReadOnlySqlTransaction("read-only transaction"))


@pytest.mark.parametrize(
    ("make_error", "words"),
    [
        (lambda: WriteLockTimeout("waited 30 s for the database write lock"), "busy"),
        (lambda: OperationalError("COMMIT", {}, WriteLockTimeout("waited")), "busy"),
        (lambda: OperationalError("COMMIT", {}, sqlite3.OperationalError("locked")), "busy"),
        (_read_only_error, "takes no changes"),
    ],
    ids=["write-lock", "write-lock-wrapped", "operational", "read-only"],
)
def test_a_commit_the_database_cannot_take_answers_503(
    client, session, centre, failing_commit, make_error, words
):
    before = counts(session)
    failing_commit(make_error())
    assert_unavailable(send(client, "POST", DRAW, {"topic": "general"}), words)
    assert counts(session) == before
    assert send(client, "POST", DRAW, {"topic": "general"}).status_code == 201


# --- SQLite's write lock not had in time: 503, in bounded time -----------------------------


@pytest.fixture
def busy_sqlite(tmp_path: Path):
    """An app on a fresh SQLite file whose writers wait 0.3 s for the write lock."""
    with fresh_database("sqlite", tmp_path) as url:
        database = Database(url, write_lock_timeout=0.3)
        with database.session() as session:
            Factory(session).location()
        app = create_app(
            {
                "TESTING": True,
                "DATABASE": database,
                "DATABASE_URL": url,
                "SECRET_KEY": "x" * 32,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SNAPSHOT_INTERVAL": 0,
                "PRINT_IN_BACKGROUND": False,
            }
        )
        yield app, database, url.removeprefix("sqlite:///")
        database.dispose()


def _tickets(database: Database) -> int:
    with database.session(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def test_a_writer_of_this_process_holding_the_lock_makes_a_503(busy_sqlite):
    app, database, _path = busy_sqlite
    client = app.test_client()
    with database.engine.connect() as holder:
        holder.begin()  # takes this process's write lock and SQLite's
        started = time.monotonic()
        response = send(client, "POST", DRAW, {"topic": "general"})
        assert time.monotonic() - started < 3
        assert_unavailable(response, "busy")
        holder.rollback()
    assert _tickets(database) == 0
    assert send(client, "POST", DRAW, {"topic": "general"}).status_code == 201


def test_another_process_holding_the_lock_makes_a_503(busy_sqlite):
    app, database, path = busy_sqlite
    client = app.test_client()
    other = sqlite3.connect(path, isolation_level=None)  # as another process would
    try:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        response = send(client, "POST", DRAW, {"topic": "general"})
        assert time.monotonic() - started < 3
        assert_unavailable(response, "busy")
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert _tickets(database) == 0
    assert send(client, "POST", DRAW, {"topic": "general"}).status_code == 201


def test_a_read_only_sqlite_file_answers_503(busy_sqlite, tmp_path):
    _app, database, path = busy_sqlite
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": read_only,
            "SECRET_KEY": "x" * 32,
            "INSTANCE_PATH": str(tmp_path / "instance-ro"),
            "SNAPSHOT_INTERVAL": 0,
            "PRINT_IN_BACKGROUND": False,
        }
    )
    try:
        client = app.test_client()
        assert_unavailable(send(client, "POST", DRAW, {"topic": "general"}), "takes no changes")
        assert client.get("/api/v1/locations/test-centre/topics").status_code == 200
    finally:
        read_only.dispose()
    assert _tickets(database) == 0


# --- Socket.IO: bad auth is a refused connection, never a crash ----------------------------

SOCKETS = [
    ("/display", {"location": NUL}),
    ("/display", {"location": f"test-centre{NUL}"}),
    ("/display", {"location": SURROGATE}),
    ("/display", {"location": f"{DOTTED_I}stanbul"}),
    ("/display", {"location": f"test-centre{ZWSP}"}),
    ("/display", {"location": ["test-centre"]}),
    ("/display", {"location": "x" * 10_000}),
    ("/display", "test-centre"),
    ("/ticket", {"token": NUL * 22}),
    ("/ticket", {"token": SURROGATE * 22}),
    ("/ticket", {"token": DOTTED_I * 22}),
    ("/ticket", {"token": {"$ne": ""}}),
    ("/kiosk", {"location": NUL}),
    ("/kiosk", {"location": SURROGATE}),
    ("/kiosk", {"location": "test-centre", "kiosk": SURROGATE * 32}),
    ("/kiosk", {"location": "test-centre", "kiosk": NUL * 32}),
    ("/kiosk", {"location": "test-centre", "kiosk": ["x" * 32]}),
    ("/kiosk", {"agent": True, "kiosk": SURROGATE * 32}),
    ("/kiosk", {"agent": True, "kiosk": NUL * 32}),
    ("/kiosk", {"agent": True, "kiosk": 12345}),
    ("/kiosk", {"agent": True}),
    ("/staff", {"location": NUL}),
    ("/staff", {"location": SURROGATE}),
    ("/staff", {"location": f"{RLO}test-centre"}),
]


@pytest.mark.parametrize(("namespace", "auth_data"), SOCKETS, ids=[repr(s) for s in SOCKETS])
def test_socket_connects_with_bad_auth_are_refused(
    socket_client, client, session, centre, manager, auth, namespace, auth_data
):
    if namespace == "/staff":
        auth.login("leitung")  # signed in: only the location is at fault
    before = counts(session)
    connection = socket_client(namespace, auth_data)
    assert not connection.is_connected(namespace)
    assert counts(session) == before
    good = {"/display": {"location": "test-centre"}, "/staff": {"location": "test-centre"}}
    if namespace in good:  # the namespace itself still works
        assert socket_client(namespace, good[namespace]).is_connected(namespace)
