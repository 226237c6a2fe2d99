"""The few words printed on a ticket, in every language a kiosk offers.

German and English are authoritative. The other languages are careful translations that
still want a native speaker's review before a location goes live (see docs/printing.md).
Labels are phrased as "label: number" so that no language needs plural rules.
Arabic and Farsi print their numbers in their own digits.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class TicketLabels:
    """The localized strings of one language; ``{n}`` is replaced by a number."""

    people_ahead: str
    estimated_wait: str
    follow_your_turn: str
    privacy_note: str
    digits: str = "0123456789"

    def number(self, value: int) -> str:
        """Return ``value`` written with this language's digits."""
        return str(value).translate(str.maketrans("0123456789", self.digits))

    def people_ahead_line(self, count: int) -> str:
        """Return the "people ahead of you: N" line."""
        return self.people_ahead.format(n=self.number(count))

    def estimated_wait_line(self, minutes: int) -> str:
        """Return the "estimated wait: about N min" line."""
        return self.estimated_wait.format(n=self.number(minutes))


LABELS: dict[str, TicketLabels] = {
    "de": TicketLabels(
        people_ahead="Personen vor Ihnen: {n}",
        estimated_wait="Geschätzte Wartezeit: ca. {n} Min.",
        follow_your_turn="Ihren Aufruf live verfolgen:",
        privacy_note="Auf diesem Ticket sind keine personenbezogenen Daten gespeichert.",
    ),
    "en": TicketLabels(
        people_ahead="People ahead of you: {n}",
        estimated_wait="Estimated wait: about {n} min",
        follow_your_turn="Follow your turn:",
        privacy_note="No personal data is stored on this ticket.",
    ),
    "ar": TicketLabels(
        people_ahead="عدد الأشخاص قبلك: {n}",
        estimated_wait="مدة الانتظار المتوقعة بالدقائق: حوالي {n}",
        follow_your_turn="تابع دورك:",
        privacy_note="لا تُحفظ أي بيانات شخصية على هذه التذكرة.",
        digits="٠١٢٣٤٥٦٧٨٩",
    ),
    "fa": TicketLabels(
        people_ahead="تعداد افراد پیش از شما: {n}",
        estimated_wait="زمان تقریبی انتظار: حدود {n} دقیقه",
        follow_your_turn="نوبت خود را دنبال کنید:",
        privacy_note="هیچ اطلاعات شخصی روی این برگه ذخیره نمی‌شود.",
        digits="۰۱۲۳۴۵۶۷۸۹",
    ),
    "uk": TicketLabels(
        people_ahead="Людей перед вами: {n}",
        estimated_wait="Орієнтовний час очікування: близько {n} хв",
        follow_your_turn="Стежте за своєю чергою:",
        privacy_note="На цьому талоні не зберігаються персональні дані.",
    ),
    "ru": TicketLabels(
        people_ahead="Людей перед вами: {n}",
        estimated_wait="Примерное время ожидания: около {n} мин",
        follow_your_turn="Следите за своей очередью:",
        privacy_note="На этом талоне не хранятся персональные данные.",
    ),
    "tr": TicketLabels(
        people_ahead="Önünüzdeki kişi sayısı: {n}",
        estimated_wait="Tahmini bekleme süresi: yaklaşık {n} dk",
        follow_your_turn="Sıranızı takip edin:",
        privacy_note="Bu bilette hiçbir kişisel veri saklanmaz.",
    ),
    "ro": TicketLabels(
        people_ahead="Persoane înaintea dumneavoastră: {n}",
        estimated_wait="Timp de așteptare estimat: aproximativ {n} min",
        follow_your_turn="Urmăriți-vă rândul:",
        privacy_note="Pe acest bilet nu sunt stocate date personale.",
    ),
    "bg": TicketLabels(
        people_ahead="Хора преди вас: {n}",
        estimated_wait="Очаквано време за изчакване: около {n} мин",
        follow_your_turn="Следете реда си:",
        privacy_note="На този билет не се съхраняват лични данни.",
    ),
    "ti": TicketLabels(
        people_ahead="ቅድሜኹም ዘለዉ ሰባት፦ {n}",
        estimated_wait="ግምታዊ ግዜ ምጽባይ፦ ኣስታት {n} ደቒቕ",
        follow_your_turn="ተራኹም ተኸታተሉ፦",
        privacy_note="ኣብዚ ትኬት ዝኾነ ውልቃዊ ሓበሬታ ኣይዕቀብን።",
    ),
}

#: Languages written right to left; their text is shaped and printed as an image.
RTL_LANGUAGES = frozenset({"ar", "fa"})


def base_language(language: str) -> str:
    """Return the primary subtag of a BCP-47-ish tag, lower-cased: ``"de-AT"`` → ``"de"``."""
    return language.replace("_", "-").split("-", 1)[0].strip().lower()


def labels_for(language: str) -> TicketLabels:
    """Return the labels for ``language``, falling back to English for unknown languages."""
    return LABELS.get(base_language(language), LABELS[DEFAULT_LANGUAGE])
