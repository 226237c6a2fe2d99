"""Discreet topics: what visitors see of a topic, and the neutral series.

A topic marked discreet (``Topic.discreet``, e.g. counselling after violence) is named only
on the kiosk's tile, where the visitor must choose it. The lobby screen, the phone's status
page, the kiosk's ticket screen, the printed ticket and the spoken call say "Counselling"
(``ticket.discreet_topic`` in the visitor's language) and carry neither its key nor its own
letter; staff views show the real topic. Its tickets are numbered in the location's neutral
series (``neutral_prefix``), shared by all its discreet topics, so a code does not tell
which one it was drawn for.
"""

from __future__ import annotations

import functools

from servicepoint import i18n
from servicepoint.models import Location, Topic

# The letters a location's neutral series takes when it names none, in order of preference:
# from the end of the alphabet, where topics' own letters are rarest.
NEUTRAL_LETTERS = "ZYXWVUTSRQPONMLKJIHGFEDCBA"


def neutral_prefix(location: Location) -> str | None:
    """The letter of the neutral series all discreet topics of ``location`` draw from:
    ``Location.discreet_prefix`` when set, else the first of ``NEUTRAL_LETTERS`` that no
    topic of the location uses (discreet or not), so the choice only changes when a topic
    takes or gives up a letter; None when every letter is taken.

    A code of this series says nothing about which discreet topic it was drawn for, and a
    topic may not take an automatic letter (``manage``) while the location has discreet
    topics. A letter the manager set may be a public topic's: its series then covers the
    discreet tickets, which are numbered among its own and look like them."""
    if location.discreet_prefix:
        return location.discreet_prefix
    used = {topic.prefix for topic in location.topics}
    return next((letter for letter in NEUTRAL_LETTERS if letter not in used), None)


# A discreet topic is named only on the kiosk's tile (the visitor must choose it): the
# lobby, the phone, the kiosk's ticket screen and the printed ticket say "Counselling"
# (``ticket.discreet_topic``) and carry neither its key nor its own letter.

DISCREET_NAME = "ticket.discreet_topic"


@functools.cache
def discreet_names() -> dict[str, str]:
    """The neutral name of every discreet topic, in every language of the catalog."""
    return {lang.code: i18n.text(lang.code, DISCREET_NAME) for lang in i18n.languages()}


def visitor_topic_names(topic: Topic) -> dict[str, str]:
    """The topic's names as visitors may read them (neutral for a discreet topic)."""
    return dict(discreet_names()) if topic.discreet else dict(topic.names)


def visitor_topic_name(topic: Topic, language: str) -> str:
    """The topic's name in ``language`` as visitors may read it (printed tickets)."""
    return i18n.text(language, DISCREET_NAME) if topic.discreet else topic.name(language)


def visitor_topic_key(topic: Topic) -> str | None:
    """The topic's key where visitors may see it: None for a discreet topic."""
    return None if topic.discreet else topic.key
