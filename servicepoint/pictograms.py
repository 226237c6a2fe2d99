"""The topics' pictograms: which there are, and which a visitor's tile shows.

The drawings are one SVG sprite (``servicepoint/templates/pictograms.svg``, a ``<symbol
id="pictogram-KEY">`` each), included by the pages that show them. A manager picks one per
topic (``Topic.pictogram``); a discreet topic's tile shows only a neutral one, since others
may look at the kiosk too.
"""

from __future__ import annotations

from servicepoint.errors import InvalidInput
from servicepoint.models import Topic

#: Every pictogram, in the order the managers' picker shows them.
PICTOGRAMS: tuple[str, ...] = (
    "orientation",
    "language",
    "residence",
    "work",
    "recognition",
    "naturalisation",
    "family",
    "protection",
    "health",
    "housing",
    "volunteering",
    "counselling",
    "money",
    "school",
)

#: Pictograms that say nothing of why someone came (a door, two people talking).
NEUTRAL: frozenset[str] = frozenset({"counselling", "protection", "orientation"})

#: What a discreet topic's tile shows when its own pictogram is not neutral.
DISCREET = "counselling"


def check(value: str | None) -> str | None:
    """A pictogram key as given (None or "": none), or ``InvalidInput`` naming the field."""
    if value is None or value == "":
        return None
    if value not in PICTOGRAMS:
        raise InvalidInput("bad_pictogram", field="pictogram")
    return value


def for_visitors(topic: Topic) -> str | None:
    """The pictogram a visitor's tile shows for ``topic``: its own, or for a discreet topic
    a neutral one."""
    if topic.pictogram is None or not topic.discreet or topic.pictogram in NEUTRAL:
        return topic.pictogram
    return DISCREET
