"""The kiosk page as rendered: its languages and strings come from the catalog."""

from __future__ import annotations

from servicepoint import i18n
from tests.page_html import Page


def kiosk_page(client) -> Page:
    response = client.get("/kiosk/test-centre")
    assert response.status_code == 200
    return Page(response.data)


def test_start_screen_is_rendered_in_the_first_configured_language(app, client, centre):
    page = kiosk_page(client)

    assert page.html.get("lang") == "de" and page.html.get("dir") == "ltr"
    assert page.find("h1", id="start-title").text == i18n.text("de", "kiosk.choose_topic")
    assert page.find("title").text.startswith(i18n.text("de", "kiosk.title"))
    # Every translated element names its key, so kiosk.js can switch it in place.
    for element in page.find_all(data_i18n=True):
        assert element.text == i18n.text("de", element.get("data-i18n")), element.attrs


def test_language_buttons_offer_the_configured_languages_with_a_catalog(app, client, centre):
    app.config["LANGUAGES"] = "de,es,uk,ar,xx"  # es is known but has no strings; xx is unknown

    page = kiosk_page(client)
    buttons = page.find_all("button", **{"class": "lang-button"})

    assert [b.get("data-lang") for b in buttons] == ["de", "uk", "ar"]
    assert [b.text for b in buttons] == ["Deutsch", "Українська", "العربية"]
    assert [b.get("dir") for b in buttons] == ["ltr", "ltr", "rtl"]
    catalog = page.json("catalog")
    assert [entry["code"] for entry in catalog["languages"]] == ["de", "uk", "ar"]
    assert set(catalog["strings"]) == {"de", "uk", "ar"}
    assert catalog["strings"]["ar"]["kiosk.choose_topic"] == i18n.text("ar", "kiosk.choose_topic")
    # The kiosk's strings, the weekday and month names it writes dates with where the
    # browser does not know the language, and its link to the privacy notice.
    assert all(
        key.startswith(("kiosk.", "lobby.weekday_", "lobby.month_", "privacy.link"))
        for key in catalog["strings"]["uk"]
    )
    assert "ar" in catalog["rtl"] and "de" not in catalog["rtl"]


def test_a_first_language_without_strings_is_skipped_and_lang_tells_the_truth(app, client, centre):
    app.config["LANGUAGES"] = "es,ar,de"

    page = kiosk_page(client)

    assert page.html.get("lang") == "ar" and page.html.get("dir") == "rtl"
    assert page.json("catalog")["lang"] == "ar"
    assert page.find("h1", id="start-title").text == i18n.text("ar", "kiosk.choose_topic")


def test_the_page_loads_its_scripts_as_modules_from_this_server(client, centre):
    page = kiosk_page(client)
    scripts = [s for s in page.find_all("script") if s.get("src")]

    assert [s.get("type") for s in scripts] == [None, "module"]
    assert scripts[0].get("src") == "/static/vendor/socket.io/socket.io.min.js"
    assert all(s.get("src").startswith(("/static/", "/kiosk/static/")) for s in scripts)
    for src in (scripts[1].get("src"), "/static/js/catalog.js"):
        with client.get(src) as response:  # a module needs a JavaScript MIME type
            assert response.status_code == 200 and "javascript" in response.mimetype, src
