"""The language catalog in Flask: the page's language, ``t()`` in Jinja, ``/i18n/<code>.json``.

A page view says which language it is shown in with :func:`use_language` (the first of its
candidates that is offered: configured in ``LANGUAGES`` *and* with a catalog file, so
``<html lang>`` always names the language the page really shows). Templates then have:

- ``t(key, **params)``: the string in the page's language; ``t_in(code, key, **params)``;
- ``lang`` and ``lang_dir``: the page's language and ``"rtl"``/``"ltr"``;
- ``page_languages``: the offered languages (:class:`~servicepoint.i18n.Language`, with
  ``code``, ``name`` (endonym), ``name_de``, ``name_en``, ``dir``);
- ``language_dir(code)``: ``dir`` for an element in another language;
- ``catalog_json(*prefixes)``: what ``static/js/catalog.js`` reads from
  ``<script type="application/json" id="catalog">``: the page's language, the offered
  languages and, per language, the strings under ``prefixes`` (fallback already applied).

``GET /i18n/<code>.json[?prefix=kiosk.]`` serves one language's strings the same way, and
so does its twin in the public half, ``/t/i18n/<code>.json`` (``catalog_json(public=True)``
points a public page's ``catalog.js`` there).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request, url_for
from flask.sansio.app import App

from servicepoint import i18n
from servicepoint.public import PREFIX as PUBLIC_PREFIX

EXTENSION = "servicepoint.i18n"

bp = Blueprint("i18n", __name__, url_prefix="/i18n")
public_bp = Blueprint("i18n_public", __name__, url_prefix=f"{PUBLIC_PREFIX}/i18n")


def init_app(app: Flask | App) -> None:
    """Register the Jinja globals and the ``/i18n/<code>.json`` route (once per app)."""
    if EXTENSION in app.extensions:
        return
    app.extensions[EXTENSION] = i18n.catalog()
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    app.add_template_global(t)
    app.add_template_global(t_in)
    app.add_template_global(i18n.catalog().direction, "language_dir")
    app.add_template_global(catalog_json)
    app.context_processor(_page_context)


def configured_languages() -> list[str]:
    """The codes in the ``LANGUAGES`` setting, as written (``"de,en,uk"``)."""
    raw = current_app.config.get("LANGUAGES") or i18n.REFERENCE
    if isinstance(raw, str):
        raw = raw.split(",")
    return [code.strip().lower() for code in raw if code and code.strip()]


def offered_languages(also: Iterable[str] = ()) -> list[str]:
    """The configured languages a page may be shown in (those with a catalog file), then
    ``also`` (e.g. the language a ticket was drawn in), in order, once each."""
    return i18n.offered([*configured_languages(), *also])


def use_language(*candidates: str | None, also: Iterable[str] = ()) -> str:
    """Set and return the current page's language: the first offered candidate, else the
    first offered language. ``also`` widens the offered list for this page."""
    offered = offered_languages(also)
    language = i18n.resolve(*candidates, offered=offered)
    g.i18n_offered = offered
    g.i18n_language = language
    return language


def page_language() -> str:
    """The current page's language (the first offered one until a view chose)."""
    if "i18n_language" not in g:
        return use_language()
    return str(g.i18n_language)


def _page_offered() -> list[str]:
    if "i18n_offered" not in g:
        use_language()
    return list(g.i18n_offered)


def t(key: str, /, **params: object) -> str:
    """The string ``key`` in the page's language, placeholders filled."""
    return i18n.text(page_language(), key, **params)


def t_in(code: str, key: str, /, **params: object) -> str:
    """The string ``key`` in ``code`` (with fallback), placeholders filled."""
    return i18n.text(code, key, **params)


def catalog_json(
    *prefixes: str, codes: Iterable[str] | None = None, public: bool = False
) -> dict[str, Any]:
    """The data ``catalog.js`` starts from: page language, offered languages, strings;
    ``public`` for a page of the public half (it loads further languages from there)."""
    endpoint = "i18n_public.language_strings" if public else "i18n.language_strings"
    catalog = i18n.catalog()
    offered = [
        language
        for code in (codes if codes is not None else _page_offered())
        if (language := catalog.language(code)) and language.has_catalog
    ]
    return {
        "lang": page_language(),
        "fallback": list(i18n.FALLBACKS),
        "languages": [language.public() for language in offered],
        "rtl": sorted(lang.code for lang in catalog.known() if lang.rtl),
        "prefixes": list(prefixes),
        "url": url_for(endpoint, code=page_language()).rsplit("/", 1)[0] + "/",
        "strings": {
            language.code: catalog.strings(language.code, prefixes) for language in offered
        },
    }


def _page_context() -> dict[str, Any]:
    lang = page_language()
    return {
        "lang": lang,
        "lang_dir": i18n.catalog().direction(lang),
        "page_languages": [i18n.language(code) for code in _page_offered()],
    }


@bp.get("/<code>.json")
@public_bp.get("/<code>.json")
def language_strings(code: str) -> Response:
    """One language's strings (fallback applied), e.g. ``/i18n/uk.json?prefix=status.``."""
    language = i18n.language(code)
    if language is None or not language.has_catalog or language.code != code:
        abort(404)
    prefixes = [p for p in request.args.getlist("prefix") if p]
    response = jsonify(
        lang=code,
        language=language.public(),
        strings=i18n.strings(code, prefixes),
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
