"""The staff pages in German or English: the staff member's choice, remembered."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from servicepoint.i18n import STAFF_LANGUAGES
from servicepoint.models import Staff
from tests.conftest import PASSWORD

CATALOG = Path(__file__).resolve().parents[2] / "servicepoint" / "i18n" / "catalog"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _staff_strings(code: str) -> dict[str, str]:
    strings = json.loads((CATALOG / f"{code}.json").read_text(encoding="utf-8"))
    return {key: value for key, value in strings.items() if key.startswith("staff.")}


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, "no <html lang>"
    return found.group(1)


def test_staff_strings_exist_in_german_and_english_alike():
    german, english = _staff_strings("de"), _staff_strings("en")
    assert sorted(german) == sorted(english)
    for key, text in german.items():
        assert text.strip() and english[key].strip(), key
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(english[key])), key


def test_staff_strings_live_in_german_and_english_only():
    assert STAFF_LANGUAGES == ("de", "en")
    for path in CATALOG.glob("*.json"):
        if path.stem not in STAFF_LANGUAGES:
            assert not _staff_strings(path.stem), path.name


def test_signin_page_is_german_unless_the_browser_prefers_english(client):
    german = client.get("/staff/").get_data(as_text=True)
    assert _lang(german) == "de"
    assert "Anmeldung für Mitarbeitende" in german

    english = client.get("/staff/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    html = english.get_data(as_text=True)
    assert _lang(html) == "en"
    assert "Staff sign-in" in html
    assert '"staff.signin.missing": "Please enter your user name and password."' in html


def test_the_switch_on_the_signin_page_keeps_the_choice_in_this_browser(client):
    answer = client.post("/staff/language", data={"language": "en", "next": "/staff/"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/staff/"
    assert "sp_staff_lang=en" in answer.headers["Set-Cookie"]
    html = client.get("/staff/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert _lang(html) == "en"
    assert 'lang="de"' in html and ">Deutsch</button>" in html
    assert 'aria-current="true">English</button>' in html


def test_the_switch_refuses_other_languages_and_other_addresses(client):
    assert client.post("/staff/language", data={"language": "uk"}).status_code == 400
    answer = client.post(
        "/staff/language", data={"language": "de", "next": "https://elsewhere.test/"}
    )
    assert answer.headers["Location"] == "/staff/"


def test_an_english_staff_member_gets_the_desk_in_english(client, auth, centre, counselor, session):
    counselor.language = "en"
    session.commit()
    auth.login()
    html = client.get("/staff/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert _lang(html) == "en"
    assert "<title>Desk · servicepoint</title>" in html
    assert ">Sign out</button>" in html
    assert "Abmelden" not in html
    # The page's script reads the English staff strings.
    data = json.loads(re.search(r'id="catalog">(.*?)</script>', html, re.S).group(1))
    assert data["lang"] == "en"
    assert list(data["strings"]) == ["en"]
    assert data["strings"]["en"]["staff.common.sign_out"] == "Sign out"


@pytest.mark.parametrize("how", ["form", "api"])
def test_the_choice_is_remembered_after_signing_out_and_in_again(
    app, client, auth, centre, counselor, session, how
):
    auth.login()
    if how == "form":
        answer = client.post("/staff/language", data={"language": "en", "next": "/staff/"})
        assert answer.status_code == 302
    else:
        answer = client.patch("/api/v1/me", json={"language": "en"})
        assert answer.status_code == 200
        assert answer.get_json()["language"] == "en"
    assert session.scalar(select(Staff.language).where(Staff.id == counselor.id)) == "en"
    auth.logout()

    # Another browser (no cookie), asking for German: the account's choice wins.
    other = app.test_client()
    assert (
        other.post(
            "/api/v1/session", json={"username": "berater", "password": PASSWORD}
        ).status_code
        == 200
    )
    html = other.get("/staff/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert _lang(html) == "en"
    assert ">Sign out</button>" in html


def test_staff_refusals_come_in_the_chosen_language(client, auth, centre, counselor, session):
    counselor.language = "en"
    session.commit()
    auth.login()
    answer = client.patch("/api/v1/me", json={"language": "fr"}, headers={"Accept-Language": "de"})
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "language"
    assert answer.get_json()["message"] == "The staff pages are available in: de, en."


def test_without_a_choice_refusals_follow_the_browser(client, auth, centre, counselor):
    auth.login()
    answer = client.patch("/api/v1/me", json={"language": "fr"}, headers={"Accept-Language": "de"})
    assert answer.get_json()["message"] == "Die Mitarbeiterseiten gibt es auf: de, en."


def test_signing_in_says_the_choice(client, auth, centre, counselor, session):
    assert auth.login().get_json()["language"] is None
    client.patch("/api/v1/me", json={"language": "en"})
    assert client.get("/api/v1/session").get_json()["language"] == "en"


ADMIN = Path(__file__).resolve().parents[2] / "admin"
# The pages and modules whose words come from the catalog by literal keys.
CONVERTED = [
    "templates/admin/base.html",
    "templates/admin/signin.html",
    "templates/admin/forbidden.html",
    "templates/admin/desk.html",
    "static/admin/common.js",
    "static/admin/signin.js",
    "static/admin/desk.js",
    "static/admin/appointments.js",
    "static/admin/cards.js",
    "static/admin/printing.js",
]
TEMPLATE_KEY = re.compile(r"""\bt\(\s*["'](staff\.[\w.]+)["']""")
SCRIPT_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[\w.]+)["']""")
# Keys named in tables ("desk.step_appointment") and passed to t() later.
SCRIPT_TABLE_KEY = re.compile(
    r""":\s*["']((?:desk|appointments|cards|printing|common)\.[a-z_]+)["']"""
)


@pytest.mark.parametrize("name", CONVERTED)
def test_every_key_the_staff_pages_name_is_in_the_catalog(name):
    text = (ADMIN / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        keys = set(TEMPLATE_KEY.findall(text))
    else:
        keys = {f"staff.{key}" for key in SCRIPT_KEY.findall(text) + SCRIPT_TABLE_KEY.findall(text)}
    if name.endswith("common.js"):
        keys.discard("staff.manage.no_location")  # the managers' page's own key
    assert keys, name
    german = _staff_strings("de")
    assert sorted(keys - set(german)) == []


def test_languages_are_named_in_the_staff_pages_language():
    from servicepoint import i18n

    entries = json.loads((CATALOG.parent / "languages.json").read_text(encoding="utf-8"))
    for entry in entries["languages"]:
        assert entry["name_en"].strip(), entry["code"]
        language = i18n.language(entry["code"])
        assert language.staff_name("de") == entry["name_de"]
        assert language.staff_name("en") == entry["name_en"]
    assert i18n.language("uk").staff_name("en") == "Ukrainian"
    assert i18n.language("uk").staff_name("de") == "Ukrainisch"


def test_the_managers_page_names_languages_in_english_for_an_english_manager(
    client, auth, centre, manager, session
):
    manager.language = "en"
    session.commit()
    auth.login("leitung")
    html = client.get("/staff/manage").get_data(as_text=True)
    assert _lang(html) == "en"
    assert "Ukrainian (uk)" in html
    assert "Ukrainisch (uk)" not in html


def test_a_manager_sets_a_colleagues_language(client, auth, centre, manager, counselor, session):
    auth.login("leitung")
    answer = client.patch(f"/api/v1/staff/{counselor.id}", json={"language": "en"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["language"] == "en"
    session.expire_all()
    assert session.get(Staff, counselor.id).language == "en"
    refused = client.patch(f"/api/v1/staff/{counselor.id}", json={"language": "tr"})
    assert refused.status_code == 400
    assert refused.get_json()["field"] == "language"
    session.expire_all()
    assert session.get(Staff, counselor.id).language == "en"


def test_the_command_line_adds_an_english_account(runner, session, centre):
    result = runner.invoke(
        ["users", "add", "lee", "--language", "en", "--password-stdin"],
        input="a long secret pass\n",
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Staff.language).where(Staff.username == "lee")) == "en"
    refused = runner.invoke(["users", "add", "kim", "--language", "uk", "--password-stdin"])
    assert refused.exit_code != 0
