"""What the privacy notice tells visitors about how long things are kept: the periods read
from the settings, so the notice says what the deletion jobs do (``servicepoint.jobs``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The retention job's default (``TICKET_KEEP_DAYS`` in servicepoint/config.py), for a
# configuration without it.
DEFAULT_TICKET_KEEP_DAYS = 90


@dataclass(frozen=True)
class Periods:
    """How long visitors' traces are kept: tickets and appointments (days), client cards
    after their last use (months). Contacts go at the end of the appointment's day, always."""

    ticket_days: int
    card_months: int

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> Periods:
        return cls(
            ticket_days=int(config.get("TICKET_KEEP_DAYS", DEFAULT_TICKET_KEEP_DAYS)),
            card_months=int(config.get("CARD_KEEP_MONTHS", 12)),
        )
