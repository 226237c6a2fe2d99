"""Demo data modelled on real service points: Leverkusen's Service-Point Integration and
Duisburg's three Regional Support Centres."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicepoint import manage, tickets
from servicepoint.models import Location, Role

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

DEMO_STAFF = [
    ("leitung", "Leitung Service-Point", Role.MANAGER, []),
    ("beratung1", "Beratung 1", Role.COUNSELOR, []),
    ("beratung2", "Beratung 2", Role.COUNSELOR, ["residence", "naturalisation"]),
]


def is_empty(session: Session) -> bool:
    """True when no location exists yet."""
    return not session.scalar(select(func.count(Location.id)))


def load(session: Session) -> dict[str, str]:
    """Create the demo locations, topics, desks and staff; return the staff logins.

    Passwords are generated: there is no default password, not even in the demo.
    """
    for slug, name, address, topics, desks in LOCATIONS:
        location = manage.create_location(session, slug, name, address, "Europe/Berlin")
        for key, prefix, names in topics:
            manage.create_topic(session, location, key, prefix, dict(names))
        for desk in desks:
            manage.create_desk(session, location, desk)
    leverkusen = tickets.get_location(session, "leverkusen")
    logins: dict[str, str] = {}
    for username, display_name, role, topic_keys in DEMO_STAFF:
        password = secrets.token_urlsafe(9)
        topic_ids = [t.id for t in leverkusen.topics if t.key in topic_keys]
        manage.create_staff(
            session,
            username,
            password,
            display_name,
            Role.ADMIN if role == Role.MANAGER else Role.STAFF,
            manage.every_location(session, role, topic_ids),
        )
        logins[username] = password
    return logins
