"""The language catalog: complete, consistent, one source for pages, scripts and printers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from printers import labels as ticket_labels
from servicepoint import i18n
from servicepoint.i18n import Catalog

ROOT = Path(__file__).resolve().parents[1]
CATALOG = i18n.catalog()
CODES = [language.code for language in i18n.languages()]


# --- the shipped catalog ----------------------------------------------------------------


def test_every_catalog_has_every_key_german_has():
    """English has every key; every other language every key a visitor reads (kiosk,
    status page, lobby, ticket). Staff pages and API messages may fall back to English."""
    missing = {
        code: list(coverage.missing if code == "en" else coverage.missing_for_visitors)
        for code in CODES
        if (coverage := i18n.coverage(code))
    }
    missing = {code: keys for code, keys in missing.items() if keys}

    assert not missing, "catalogs lack keys German has:\n" + "\n".join(
        f"  {code}: {', '.join(keys)}" for code, keys in missing.items()
    )


def test_no_catalog_has_keys_german_lacks():
    extra = {code: list(i18n.coverage(code).extra) for code in CODES}

    assert not {code: keys for code, keys in extra.items() if keys}


@pytest.mark.parametrize("code", CODES)
def test_translations_keep_the_placeholders_of_german(code):
    german = CATALOG.own("de")
    differs = {
        key: sorted(i18n.placeholders(text))
        for key, text in CATALOG.own(code).items()
        if key in german and i18n.placeholders(text) != i18n.placeholders(german[key])
    }

    assert not differs, f"{code}: placeholders differ from German in {differs}"


def test_catalog_files_are_flat_objects_of_dotted_keys_and_non_empty_strings():
    for path in sorted((ROOT / "servicepoint/i18n/catalog").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict), path.name
        for key, value in data.items():
            assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", key), (path.name, key)
            assert isinstance(value, str) and value.strip() == value and value, (path.name, key)


def test_every_catalog_file_is_described_in_languages_json():
    known = {language.code: language for language in CATALOG.known()}
    for path in (ROOT / "servicepoint/i18n/catalog").glob("*.json"):
        language = known[path.stem]
        assert language.name != language.code and language.name_de, path.stem
        assert language.has_catalog


def test_languages_json_is_well_formed():
    entries = json.loads((ROOT / "servicepoint/i18n/languages.json").read_text())["languages"]
    codes = [entry["code"] for entry in entries]
    assert len(codes) == len(set(codes))
    for entry in entries:
        assert entry["dir"] in ("ltr", "rtl"), entry
        assert entry["name"] and entry["name_de"] and entry["locale"], entry
        digits = entry.get("print_digits", "0123456789")
        assert len(digits) == 10 and all(d.isdigit() for d in digits), entry


def test_german_and_english_are_reviewed_the_others_are_marked_for_review():
    assert CATALOG.language("de").reviewed and CATALOG.language("en").reviewed
    awaiting = [lang.code for lang in i18n.languages() if not lang.reviewed]
    assert set(awaiting) == set(CODES) - {"de", "en"}


def test_review_json_names_only_keys_and_languages_that_exist():
    review = json.loads((ROOT / "servicepoint/i18n/review.json").read_text())["awaiting"]
    german = CATALOG.own("de")
    for code, entry in review.items():
        assert code in CODES and code not in ("de", "en"), code
        assert entry["note"].strip(), code
        for pattern in entry["keys"]:
            if pattern.endswith(".*"):
                assert any(key.startswith(pattern[:-1]) for key in german), (code, pattern)
            else:
                assert pattern in german and pattern in CATALOG.own(code), (code, pattern)


def test_every_visitor_string_of_a_translation_awaits_review_until_a_native_speaker_read_it():
    for code in set(CODES) - {"de", "en"}:
        awaiting = set(CATALOG.awaiting_review(code))
        visitor = {key for key in CATALOG.own(code) if i18n.is_visitor_key(key)}
        assert visitor <= awaiting, (code, sorted(visitor - awaiting))


def test_review_patterns_select_keys_of_the_language_own_file(small_catalog, tmp_path):
    (tmp_path / "review.json").write_text(
        json.dumps({"awaiting": {"uk": {"note": "new", "keys": ["a.*", "a.two"]}}}),
        encoding="utf-8",
    )
    fresh = Catalog(tmp_path)

    assert fresh.awaiting_review("uk") == ("a.one",)  # a.two is not in uk.json
    assert not fresh.language("uk").reviewed and fresh.language("uk").review_note == "new"
    assert fresh.language("de").reviewed and fresh.awaiting_review("de") == ()


# --- fallback, string by string ---------------------------------------------------------


@pytest.fixture
def small_catalog(tmp_path) -> Catalog:
    (tmp_path / "catalog").mkdir()
    files = {
        "de": {"a.one": "Eins", "a.two": "Zwei", "a.three": "Drei {n}"},
        "en": {"a.one": "One", "a.three": "Three {n}"},
        "uk": {"a.one": "Один"},
    }
    for code, strings in files.items():
        (tmp_path / "catalog" / f"{code}.json").write_text(json.dumps(strings), encoding="utf-8")
    (tmp_path / "languages.json").write_text(
        json.dumps(
            {
                "languages": [
                    {"code": "de", "name": "Deutsch", "name_de": "Deutsch"},
                    {"code": "en", "name": "English", "name_de": "Englisch"},
                    {"code": "uk", "name": "Українська", "name_de": "Ukrainisch"},
                    {"code": "ar", "name": "العربية", "name_de": "Arabisch", "dir": "rtl"},
                ]
            }
        ),
        encoding="utf-8",
    )
    return Catalog(tmp_path)


def test_a_missing_string_comes_from_english_then_german_one_by_one(small_catalog):
    assert small_catalog.strings("uk") == {"a.one": "Один", "a.two": "Zwei", "a.three": "Three {n}"}
    assert small_catalog.text("uk", "a.three", n=3) == "Three 3"
    assert small_catalog.text("de", "a.three", n=3) == "Drei 3"


def test_coverage_lists_what_a_language_lacks(small_catalog):
    coverage = small_catalog.coverage("uk")

    assert coverage.missing == ("a.two", "a.three") and not coverage.complete
    assert coverage.translated == 1 and coverage.total == 3


def test_a_language_without_a_file_is_never_offered(small_catalog):
    assert small_catalog.offered("de,ar,uk,xx") == ["de", "uk"]
    assert small_catalog.offered("ar,xx") == ["de"]
    assert small_catalog.resolve("ar", "uk", offered=["de", "uk"]) == "uk"
    assert small_catalog.resolve("ar", offered=["uk", "de"]) == "uk"
    assert small_catalog.is_rtl("ar") and not small_catalog.has_catalog("ar")


def test_unknown_keys_are_an_error_not_a_silent_blank(small_catalog):
    with pytest.raises(KeyError):
        small_catalog.text("de", "a.four")


DEFAULT_LANGUAGES = "de,en,uk,ru,ar,fa,prs,ps,kmr,ti,tr,ro,bg,pl,fr"


def test_the_default_offers_all_fifteen_languages_german_first_each_by_its_own_name():
    from servicepoint.config import DEFAULTS

    assert DEFAULTS["LANGUAGES"] == DEFAULT_LANGUAGES
    offered = i18n.offered(DEFAULT_LANGUAGES)
    assert offered == DEFAULT_LANGUAGES.split(",")
    names = {code: i18n.language(code).name for code in offered}
    assert names["prs"] == "دری" and names["ps"] == "پښتو" and names["ti"] == "ትግርኛ"
    assert names["kmr"] == "Kurdî" and names["pl"] == "Polski"
    assert len(set(names.values())) == 15


def test_every_language_of_the_default_has_every_visitor_string_of_its_own():
    for code in DEFAULT_LANGUAGES.split(",")[2:]:
        own = CATALOG.own(code)
        missing = [key for key in CATALOG.reference_keys if i18n.is_visitor_key(key)]
        missing = [key for key in missing if key not in own]
        assert not missing, (code, missing)
        # A sentence left in English is untranslated (a time range or "Total" may agree).
        same_as_english = [
            key
            for key in own
            if i18n.is_visitor_key(key)
            and own[key] == CATALOG.own("en")[key]
            and len(re.sub(r"\{\w+\}", "", own[key]).split()) > 2
        ]
        assert not same_as_english, (code, same_as_english)


@pytest.mark.parametrize("code", CODES)
def test_booking_mail_subjects_name_no_topic_in_any_language(code):
    """A mail's subject is seen on a lock screen: date and time only, never the topic."""
    own = CATALOG.own(code)
    for key in ("mail.confirm_subject", "mail.reminder_subject"):
        assert key in own, (code, key)
        assert i18n.placeholders(own[key]) <= {"date", "time"}, (code, key, own[key])
        assert own["booking.topic"].lower() not in own[key].lower(), (code, key, own[key])


def test_kurmanji_answers_to_ku_too():
    assert i18n.language("ku").code == "kmr" and i18n.offered("ku,de") == ["kmr", "de"]
    assert i18n.language("kmr").locale == "ku" and i18n.language("prs").locale == "fa-AF"


def test_language_tags_count_as_their_base_language():
    assert i18n.is_rtl("fa-IR") and i18n.has_catalog("de-AT")
    assert i18n.offered(["de-CH", "uk_UA", "de"]) == ["de", "uk"]
    assert i18n.text("uk-UA", "kiosk.done") == i18n.text("uk", "kiosk.done")


def test_placeholders_are_filled_and_unknown_ones_left_alone():
    assert i18n.fill("{a} and {b}", {"a": 1}) == "1 and {b}"
    assert i18n.text("de", "kiosk.about", time="5 Minuten") == "ca. 5 Minuten"


# --- right to left, from one place ------------------------------------------------------


def test_right_to_left_comes_from_languages_json():
    rtl = {language.code for language in CATALOG.known() if language.rtl}

    assert {"ar", "fa", "prs", "ps", "ckb", "ur", "he"} <= rtl
    assert not rtl & {"de", "en", "uk", "tr", "ru", "ro", "bg", "ti", "kmr", "pl", "fr"}
    assert rtl == ticket_labels.RTL_LANGUAGES


SOURCES = [
    "kiosk/static/kiosk/kiosk.js",
    "kiosk/templates/kiosk/kiosk.html",
    "display/static/display/lobby.js",
    "display/static/display/status.js",
    "display/templates/display/lobby.html",
    "display/templates/display/status.html",
    "admin/routes.py",
    "admin/templates/admin/manage.html",
    "printers/labels.py",
]


@pytest.mark.parametrize("source", SOURCES)
def test_no_page_script_or_printer_keeps_a_language_list_of_its_own(source):
    text = (ROOT / source).read_text(encoding="utf-8")

    # A right-to-left list, a table of language names, or strings keyed by language.
    assert not re.search(r"""["']ar["']\s*[,:]\s*["'](fa|ar|Arab)""", text), source
    assert "Українська" not in text and "Ukrainisch" not in text, source
    assert not re.search(r"\bRTL\s*=", text), source


def test_the_old_string_table_of_the_kiosk_is_gone():
    assert not (ROOT / "kiosk/static/kiosk/i18n.js").exists()


# --- printers read the same catalog -----------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_ticket_labels_come_from_the_catalog(code):
    labels = ticket_labels.LABELS[code]

    assert labels.people_ahead == i18n.text(code, "ticket.people_ahead")
    assert labels.estimated_wait == i18n.text(code, "ticket.estimated_wait")
    assert labels.follow_your_turn == i18n.text(code, "ticket.follow_your_turn")
    assert labels.privacy_note == i18n.text(code, "ticket.privacy_note")
    assert labels.privacy_notice == i18n.text(code, "ticket.privacy_notice")
    assert labels.digits == i18n.language(code).print_digits


def test_printed_digits_are_latin_in_every_language():
    """What the lobby shows is what the paper says: ticket codes and numbers in Latin digits."""
    for code in CODES:
        assert ticket_labels.LABELS[code].number(1234567890) == "1234567890", code
        assert CATALOG.print_digits(code) == i18n.LATIN_DIGITS, code


@pytest.mark.parametrize("code", CODES)
def test_visitor_strings_write_numbers_with_latin_digits(code):
    other_digits = {
        key: text
        for key, text in CATALOG.own(code).items()
        if any(char.isdigit() and char not in i18n.LATIN_DIGITS for char in text)
    }

    assert not other_digits, f"{code}: digits other than 0-9 in {other_digits}"


def test_the_sample_ticket_is_in_the_catalog_language():
    from printers import test_ticket

    assert test_ticket("bg").topic == i18n.text("bg", "ticket.sample_topic")
    assert test_ticket("xx").language == "de"
