"""Demo data modelled on real service points: Leverkusen's Service-Point Integration and
Duisburg's three Regional Support Centres."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicepoint import appointments, cards, clock, manage, tickets
from servicepoint.errors import ServicepointError
from servicepoint.models import Closure, Consultation, Location, Organisation, Role, Staff

LEVERKUSEN_TOPICS = [
    (
        "orientation",
        "A",
        {
            "de": "Erstorientierung",
            "en": "First orientation",
            "uk": "Перша орієнтація",
            "ar": "التوجيه الأول",
            "fa": "راهنمایی اولیه",
            "tr": "İlk yönlendirme",
            "ru": "Первичная ориентация",
        },
    ),
    (
        "language",
        "B",
        {
            "de": "Sprachkurse",
            "en": "Language courses",
            "uk": "Мовні курси",
            "ar": "دورات اللغة",
            "fa": "کلاس‌های زبان",
            "tr": "Dil kursları",
            "ru": "Языковые курсы",
        },
    ),
    (
        "residence",
        "C",
        {
            "de": "Aufenthalt",
            "en": "Residence questions",
            "uk": "Питання перебування",
            "ar": "أسئلة الإقامة",
            "fa": "سؤالات اقامت",
            "tr": "Oturum soruları",
            "ru": "Вопросы пребывания",
        },
    ),
    (
        "work",
        "D",
        {
            "de": "Arbeit und Anerkennung von Abschlüssen",
            "en": "Work and recognition of qualifications",
            "uk": "Робота та визнання кваліфікацій",
            "ar": "العمل والاعتراف بالشهادات",
            "fa": "کار و ارزشیابی مدارک",
            "tr": "İş ve diploma denkliği",
            "ru": "Работа и признание квалификаций",
        },
    ),
    (
        "naturalisation",
        "E",
        {
            "de": "Einbürgerung",
            "en": "Naturalisation",
            "uk": "Натуралізація",
            "ar": "التجنس",
            "fa": "تابعیت",
            "tr": "Vatandaşlık",
            "ru": "Натурализация",
        },
    ),
    (
        "childcare",
        "F",
        {
            "de": "Kinderbetreuung",
            "en": "Childcare",
            "uk": "Догляд за дітьми",
            "ar": "رعاية الأطفال",
            "fa": "مراقبت از کودکان",
            "tr": "Çocuk bakımı",
            "ru": "Уход за детьми",
        },
    ),
    (
        "violence",
        "G",
        {
            "de": "Beratung nach Gewalterfahrungen",
            "en": "Counselling after violence",
            "uk": "Консультація після насильства",
            "ar": "استشارة بعد التعرض للعنف",
            "fa": "مشاوره پس از خشونت",
            "tr": "Şiddet sonrası danışmanlık",
            "ru": "Консультация после насилия",
        },
    ),
    (
        "volunteering",
        "H",
        {
            "de": "Ehrenamt",
            "en": "Volunteering",
            "uk": "Волонтерство",
            "ar": "التطوع",
            "fa": "کار داوطلبانه",
            "tr": "Gönüllülük",
            "ru": "Волонтёрство",
        },
    ),
]

DUISBURG_TOPICS = [
    (
        "counselling",
        "A",
        {
            "de": "Allgemeine Beratung",
            "en": "General counselling",
            "uk": "Загальна консультація",
            "ar": "استشارة عامة",
            "fa": "مشاوره عمومی",
            "tr": "Genel danışmanlık",
            "ru": "Общая консультация",
        },
    ),
    ("language", "B", LEVERKUSEN_TOPICS[1][2]),
    ("work", "C", LEVERKUSEN_TOPICS[3][2]),
    (
        "school",
        "D",
        {
            "de": "Schule und Kita",
            "en": "School and daycare",
            "uk": "Школа та дитсадок",
            "ar": "المدرسة والحضانة",
            "fa": "مدرسه و مهدکودک",
            "tr": "Okul ve kreş",
            "ru": "Школа и детский сад",
        },
    ),
    (
        "housing",
        "E",
        {
            "de": "Wohnen",
            "en": "Housing",
            "uk": "Житло",
            "ar": "السكن",
            "fa": "مسکن",
            "tr": "Konut",
            "ru": "Жильё",
        },
    ),
]

#: Each demo topic's pictogram on the kiosk tile (``servicepoint.pictograms``).
PICTOGRAMS = {
    "orientation": "orientation",
    "language": "language",
    "residence": "residence",
    "work": "work",
    "naturalisation": "naturalisation",
    "childcare": "family",
    "violence": "protection",
    "volunteering": "volunteering",
    "counselling": "counselling",
    "school": "school",
    "housing": "housing",
}

#: "Raum 2" in the languages the demo topics are named in (digits stay Latin everywhere).
ROOM_NAMES = {
    "en": "Room {n}",
    "uk": "Кімната {n}",
    "ru": "Комната {n}",
    "ar": "الغرفة {n}",
    "fa": "اتاق {n}",
    "tr": "Oda {n}",
}


def _room_names(desk: str) -> dict[str, str]:
    """A demo desk's names per language: "Raum 2" → {"en": "Room 2", …}; others none."""
    word, _, number = desk.partition(" ")
    if word != "Raum" or not number.isdigit():
        return {}
    return {code: name.format(n=number) for code, name in ROOM_NAMES.items()}


LOCATIONS = [
    (
        "leverkusen",
        "Service-Point Integration Leverkusen",
        "Wiesdorfer Platz 34a, Leverkusen",
        LEVERKUSEN_TOPICS,
        ["Raum 1", "Raum 2", "Raum 3", "Raum 4"],
    ),
    (
        "duisburg-hamborn",
        "Regionales Unterstützungszentrum Hamborn",
        "Duisburg-Hamborn",
        DUISBURG_TOPICS,
        ["Raum 1", "Raum 2", "Raum 3"],
    ),
    (
        "duisburg-hochfeld",
        "Regionales Unterstützungszentrum Hochfeld",
        "Duisburg-Hochfeld",
        DUISBURG_TOPICS,
        ["Raum 1", "Raum 2", "Raum 3"],
    ),
    (
        "duisburg-rheinhausen",
        "Regionales Unterstützungszentrum Rheinhausen",
        "Duisburg-Rheinhausen",
        DUISBURG_TOPICS,
        ["Raum 1", "Raum 2"],
    ),
]

# The welfare organisations and departments whose staff work at the demo centres.
ORGANISATIONS = [
    ("Diakonisches Werk des Evangelischen Kirchenkreises Leverkusen", "Diakonie LEV"),
    ("AWO Kreisverband Leverkusen", "AWO LEV"),
    ("Caritasverband Leverkusen", "Caritas LEV"),
    ("Katholische Jugendagentur Leverkusen, Rhein-Berg, Oberberg", "KJA"),
    ("Job Service Leverkusen", "Job Service"),
    ("Stadt Leverkusen, Kommunales Integrationszentrum", "Stadt LEV"),
    ("DRK-Kreisverband Duisburg", "DRK"),
    ("Grafschafter Diakonie", "Grafschafter Diakonie"),
    ("Der Paritätische / ZIUMA", "ZIUMA"),
    ("Caritasverband Duisburg", "Caritas DU"),
    ("AWO Duisburg", "AWO DU"),
    ("Stadt Duisburg, Amt für Integration", "Stadt DU"),
]

# Consultation sessions: (location, weekdays, start, end, topic keys or None for all,
# organisation short name or None, week of month or None, title or None). Leverkusen's are
# its published hours: the case managers' open consultation Mon 12:45-16:45, Thu 13:00-17:00,
# Fri 08:30-12:30, the Job Service's Tue and Thu 13:00-16:30, Fri 11:00-13:00, and two
# special-topic sessions a month. Duisburg's centres each keep their own hours and
# organisations; the demo's hours there are examples.
CASE_MANAGEMENT = None  # all of the location's topics but work (the Job Service's)
SESSIONS: list[
    tuple[str, str, str, str, list[str] | None, str | None, int | None, dict[str, str] | None]
] = [
    ("leverkusen", "mon", "12:45", "16:45", CASE_MANAGEMENT, None, None, None),
    ("leverkusen", "thu", "13:00", "17:00", CASE_MANAGEMENT, None, None, None),
    ("leverkusen", "fri", "08:30", "12:30", CASE_MANAGEMENT, None, None, None),
    ("leverkusen", "tue,thu", "13:00", "16:30", ["work"], "Job Service", None, None),
    ("leverkusen", "fri", "11:00", "13:00", ["work"], "Job Service", None, None),
    (
        "leverkusen",
        "wed",
        "10:00",
        "12:00",
        ["work"],
        "Stadt LEV",
        2,
        {
            "de": "Anerkennung ausländischer Berufsabschlüsse",
            "en": "Recognition of foreign qualifications",
        },
    ),
    (
        "leverkusen",
        "tue",
        "09:00",
        "12:00",
        ["naturalisation"],
        "Stadt LEV",
        -1,
        {"de": "Sprechstunde Einbürgerung", "en": "Naturalisation consultation"},
    ),
    ("duisburg-hamborn", "mon,wed", "09:00", "12:00", None, "DRK", None, None),
    ("duisburg-hamborn", "tue", "13:00", "16:00", None, "AWO DU", None, None),
    ("duisburg-hochfeld", "tue,thu", "09:00", "13:00", None, "ZIUMA", None, None),
    ("duisburg-hochfeld", "wed", "14:00", "17:00", None, "Caritas DU", None, None),
    ("duisburg-rheinhausen", "wed", "13:00", "16:00", None, "Grafschafter Diakonie", None, None),
    ("duisburg-rheinhausen", "fri", "09:00", "12:00", None, "Stadt DU", None, None),
]

# Discreet topics: never named on the lobby screen, the phone or the ticket.
DISCREET = {("leverkusen", "violence")}

# (username, name, organisation, staff role, [(location, role, topic keys)]): an admin, a
# location's manager and a counselor at each centre.
DEMO_STAFF: list[tuple[str, str, str | None, str, list[tuple[str, str, list[str]]]]] = [
    ("leitung", "Koordination Integration", "Stadt LEV", Role.ADMIN, []),
    (
        "leitung.lev",
        "Leitung Service-Point",
        "Stadt LEV",
        Role.STAFF,
        [("leverkusen", Role.MANAGER, [])],
    ),
    (
        "beratung1",
        "Beratung 1 (Diakonie)",
        "Diakonie LEV",
        Role.STAFF,
        [("leverkusen", Role.COUNSELOR, [])],
    ),
    (
        "beratung2",
        "Beratung 2 (Caritas)",
        "Caritas LEV",
        Role.STAFF,
        [("leverkusen", Role.COUNSELOR, ["residence", "naturalisation"])],
    ),
    (
        "jobservice",
        "Job Service",
        "Job Service",
        Role.STAFF,
        [("leverkusen", Role.COUNSELOR, ["work"])],
    ),
    (
        "hamborn",
        "Beratung Hamborn (DRK)",
        "DRK",
        Role.STAFF,
        [("duisburg-hamborn", Role.COUNSELOR, [])],
    ),
    (
        "hochfeld",
        "Beratung Hochfeld (ZIUMA)",
        "ZIUMA",
        Role.STAFF,
        [("duisburg-hochfeld", Role.COUNSELOR, [])],
    ),
    (
        "rheinhausen",
        "Beratung Rheinhausen (Grafschafter Diakonie)",
        "Grafschafter Diakonie",
        Role.STAFF,
        [("duisburg-rheinhausen", Role.COUNSELOR, [])],
    ),
]


@dataclass(frozen=True)
class Login:
    """A demo staff login: its generated password and what it may do, in words."""

    password: str
    roles: str


def is_empty(session: Session) -> bool:
    """True when no location exists yet."""
    return not session.scalar(select(func.count(Location.id)))


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _roles(role: str, places: list[tuple[str, str, list[str]]]) -> str:
    if role == Role.ADMIN:
        return "admin: manages every location"
    return "; ".join(
        f"{what} at {where}" + (f" ({', '.join(keys)})" if keys else "")
        for where, what, keys in places
    )


def load(session: Session, sessions: bool = True) -> dict[str, Login]:
    """Create the demo organisations, locations, topics, desks, consultation sessions and
    staff; return the staff logins.

    Passwords are generated: there is no default password, not even in the demo. Without
    ``sessions`` no consultation session is defined, so every topic is offered at any hour
    (for trying the product out of hours).
    """
    organisations = {}
    for name, short_name in ORGANISATIONS:
        organisation = Organisation(name=name, short_name=short_name)
        session.add(organisation)
        organisations[short_name] = organisation
    places: dict[str, Location] = {}
    for slug, name, address, topics, desks in LOCATIONS:
        location = manage.create_location(session, slug, name, address, "Europe/Berlin")
        places[slug] = location
        for key, prefix, names in topics:
            topic = manage.create_topic(
                session, location, key, prefix, dict(names), pictogram=PICTOGRAMS.get(key)
            )
            topic.discreet = (slug, key) in DISCREET
        for desk in desks:
            manage.create_desk(session, location, desk, names=_room_names(desk))
    # One discreet topic would still be told by its own series: its tickets are numbered
    # among those of the first orientation, the topic most visitors come for.
    manage.update_location(session, places["leverkusen"], discreet_prefix="A")
    session.flush()
    if sessions:
        _sessions(session, places, organisations)
    logins: dict[str, Login] = {}
    for username, display_name, organisation_name, role, memberships in DEMO_STAFF:
        password = secrets.token_urlsafe(9)
        specs = []
        for slug, member_role, topic_keys in memberships:
            location = places[slug]
            specs.append(
                manage.MembershipSpec(
                    location,
                    member_role,
                    tuple(t.id for t in location.topics if t.key in topic_keys),
                )
            )
        manage.create_staff(
            session,
            username,
            password,
            display_name,
            role,
            specs,
            organisations[organisation_name] if organisation_name else None,
        )
        logins[username] = Login(password, _roles(role, memberships))
    return logins


def _sessions(
    session: Session, places: dict[str, Location], organisations: dict[str, Organisation]
) -> None:
    for slug, weekdays, start, end, keys, organisation, week, title in SESSIONS:
        location = places[slug]
        topics = [
            t
            for t in location.topics
            if (t.key in keys if keys is not None else slug != "leverkusen" or t.key != "work")
        ]
        # The case managers' open consultation takes appointments for half its time.
        bookable = slug == "leverkusen" and keys is CASE_MANAGEMENT
        session.add(
            Consultation(
                location=location,
                weekdays=weekdays,
                start=_time(start),
                end=_time(end),
                week_of_month=week,
                organisation=organisations[organisation] if organisation else None,
                names=dict(title or {}),
                topics=topics,
                slot_minutes=30,
                bookable_share=50 if bookable else 0,
            )
        )
    this_year = clock.service_day(clock.now(), "Europe/Berlin").year
    for location in places.values():
        for year in (this_year, this_year + 1):
            for day, reason in ((24, "Heiligabend"), (31, "Silvester")):
                session.add(Closure(location=location, day=date(year, 12, day), reason=reason))
    session.flush()


def samples(session: Session, days: int = 14) -> list[str]:
    """Book a few appointments in Leverkusen's next open consultations (with each demo
    counselor, and one with the organisation) and make a client card for Beratung 1; return
    lines saying what to type at the kiosk."""
    location = session.scalar(select(Location).where(Location.slug == "leverkusen"))
    counselors = {
        s.username: s
        for s in session.scalars(
            select(Staff).where(Staff.username.in_(("beratung1", "beratung2")))
        )
    }
    if location is None or len(counselors) < 2:
        return []
    for rule in location_rules(session, location):
        if rule.bookable_share > 0:
            rule.staff = [counselors["beratung1"], counselors["beratung2"]]
    session.flush()
    open_topics = [t for t in location.topics if t.key != "work" and not t.discreet]
    lines = []
    wanted: list[Staff | None] = [counselors["beratung1"], counselors["beratung2"], None]
    today = clock.service_day(clock.now(), location.timezone)
    for staff in wanted:
        served = tickets.served_topic_ids(location, staff)
        topic = next(t for t in open_topics if t.id in served)
        booked = None
        for offset in range(days):
            day = today + timedelta(days=offset)
            for slot in appointments.free_slots(session, location, topic, day, staff):
                try:
                    booked = appointments.book(session, location, topic, slot.start, staff=staff)
                    break
                except ServicepointError:
                    continue
            if booked is not None:
                break
        if booked is None:
            continue
        when = clock.local(booked.start, location.timezone).strftime("%d.%m.%Y %H:%M")
        who = staff.display_name if staff is not None else "the organisation"
        lines.append(f"appointment {when} with {who}: code {booked.code}")
    card = cards.make(session, counselors["beratung1"], location)
    lines.append(f"client card of Beratung 1: {cards.shown(card.code)}")
    return lines


def location_rules(session: Session, location: Location) -> list[Consultation]:
    return list(
        session.scalars(select(Consultation).where(Consultation.location_id == location.id))
    )
