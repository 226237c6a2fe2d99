"""Calls spoken aloud: the words of a call, synthesised on the server with espeak-ng.

The lobby plays, for every call, the chime, then the call in the location's first language
(German), then — for a ticket drawn in another language that espeak-ng has a voice for —
in the visitor's language. Only the ticket's code and the desk are spoken (the catalog's
``lobby.speech``), never a topic, so nothing reveals a discreet one.

How a call gets its audio without ever waiting for it:

- The ``called`` event carries ``announcement``: one URL per part, in the order they are
  played (:meth:`Speaker.announcement`). Building them runs no synthesis: each URL holds the
  part's recipe (text, voice, rate, pitch), signed with the application's secret, so the
  server synthesises only what it announced itself and the route needs no stored state.
- ``GET /display/announcements/<token>.wav`` synthesises on first use (:meth:`Speaker.audio`)
  into a cache folder in the instance path, named by the hash of the recipe, and serves the
  file from there after that. The lobby starts loading a call's parts when the call arrives,
  so they are ready by the time its chime has played; every screen and a recall share the
  file. espeak-ng runs in a subprocess bounded by ``SPEECH_TIMEOUT`` (``green.run_bounded``);
  when it fails, is slow or is not installed the route answers 503 and the lobby goes on
  with the next part: the call itself has long gone out, shown and chimed.
- With no engine installed (``SPEECH_COMMAND`` not found) the event carries no URLs, the
  lobby only chimes and the staff page says so (:meth:`Speaker.available`).

Which languages are spoken: those of ``VOICES`` (or ``SPEECH_VOICES``) that ``SPEECH_LANGUAGES``
allows (all when empty); espeak-ng has no voice for Tigrinya, Pashto, Somali or Sorani, so
those visitors hear the call in German only (``docs/deployment.md`` lists the languages).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servicepoint import i18n

# espeak-ng's voice for each language it speaks well enough to announce a call (checked by
# tests/servicepoint/test_speech.py against `espeak-ng --voices` and measured output).
# Tigrinya (ti), Pashto (ps), Somali (so) and Sorani (ckb) have none: German only.
VOICES: dict[str, str] = {
    "de": "de",
    "en": "en-gb",
    "uk": "uk",
    "ar": "ar",
    "fa": "fa",
    "prs": "fa",  # Dari: espeak-ng's Persian voice reads the Dari words
    "tr": "tr",
    "ru": "ru",
    "ro": "ro",
    "bg": "bg",
    "pl": "pl",
    "fr": "fr-fr",
    "es": "es",
    "it": "it",
    "sq": "sq",
    "sr": "sr",
    "hr": "hr",
    "el": "el",
    "ku": "ku",
    "kmr": "ku",  # Kurmanji (ku is its alias)
    "ur": "ur",
    "he": "he",
    "vi": "vi",
    "zh": "cmn",
}

# Where announcements are served (display/routes.py) and cached (below the instance path).
URL_PREFIX = "/display/announcements/"
CACHE_FOLDER = "speech"
# Signing salt of the announcement tokens (kept apart from every other signed value).
_SALT = "servicepoint.announcement"
# How long the answer of "is the engine installed?" is believed (seconds).
_AVAILABLE_FOR = 60.0
# Cached files untouched this many days are removed now and then (the set of codes and
# desks repeats every day, so the cache stays small anyway).
_CACHE_DAYS = 30
_PRUNE_EVERY = 200  # syntheses

_VOICE = re.compile(r"^[a-z0-9][a-z0-9+_-]{0,40}$")


class SpeechFailed(Exception):
    """The engine is missing, failed, or took longer than ``SPEECH_TIMEOUT``."""


@dataclass(frozen=True)
class SpeechSettings:
    """The ``SPEECH_*`` settings (servicepoint/config.py)."""

    command: str = "espeak-ng"
    # Languages that may be spoken; None: every one with a voice.
    languages: frozenset[str] | None = None
    voices: Mapping[str, str] = field(default_factory=lambda: dict(VOICES))
    rate: int = 150
    pitch: int = 50
    volume: int = 100
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> SpeechSettings:
        languages = {c.strip() for c in str(config.get("SPEECH_LANGUAGES") or "").split(",")}
        languages.discard("")
        voices = dict(VOICES)
        for pair in str(config.get("SPEECH_VOICES") or "").split(","):
            if "=" in pair:
                code, voice = (part.strip() for part in pair.split("=", 1))
                if not voice:
                    voices.pop(code, None)  # "ar=": never speak Arabic
                elif _VOICE.match(voice):
                    voices[code] = voice
        return cls(
            command=str(config.get("SPEECH_COMMAND") or ""),
            languages=frozenset(languages) if languages else None,
            voices=voices,
            rate=int(config.get("SPEECH_RATE", 150)),
            pitch=int(config.get("SPEECH_PITCH", 50)),
            volume=max(0, min(100, int(config.get("SPEECH_VOLUME", 100)))),
            timeout=float(config.get("SPEECH_TIMEOUT", 10.0)),
        )

    def voice(self, language: str) -> str | None:
        """espeak-ng's voice for ``language`` when it is to be spoken, else None."""
        if self.languages is not None and language not in self.languages:
            return None
        return self.voices.get(language)


def spoken_code(code: str) -> str:
    """A ticket code as it is read well: letters apart, the number as a number
    ("B012" → "B 12", "AB007" → "A B 7")."""
    letters = [c for c in code if not c.isdigit()]
    digits = "".join(c for c in code if c.isdigit())
    parts = letters + ([str(int(digits))] if digits else [])
    return " ".join(parts)


def speech_text(language: str, code: str, desk: str | None) -> str:
    """The words of a call in ``language``: only the code and the desk."""
    if desk:
        return i18n.text(language, "lobby.speech", code=spoken_code(code), desk=desk)
    return i18n.text(language, "lobby.speech_no_desk", code=spoken_code(code))


@dataclass(frozen=True)
class Recipe:
    """One part of an announcement: what the engine is asked to say, and how."""

    text: str
    voice: str
    rate: int
    pitch: int

    def key(self) -> str:
        """The cache file's name: the hash of everything that shapes the audio."""
        raw = json.dumps([self.text, self.voice, self.rate, self.pitch], ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


class Speaker:
    """One application's announcements: the URLs of a call and their audio."""

    def __init__(
        self,
        settings: SpeechSettings,
        secret: str,
        cache_dir: str | Path,
        primary: str = "de",
    ) -> None:
        from itsdangerous import URLSafeSerializer

        self.settings = settings
        self.primary = primary
        self.cache_dir = Path(cache_dir)
        self._signer = URLSafeSerializer(secret, salt=_SALT)
        self._checked_at = -_AVAILABLE_FOR
        self._available = False
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._made = 0

    # --- what the lobby is told --------------------------------------------------------

    def available(self) -> bool:
        """Whether the engine is installed (looked up at most once a minute)."""
        now = time.monotonic()
        if now - self._checked_at >= _AVAILABLE_FOR:
            self._available = bool(self.settings.command) and (
                shutil.which(self.settings.command) is not None
            )
            self._checked_at = now
        return self._available

    def languages(self, visitor: str | None) -> list[str]:
        """The languages a call is spoken in: the first one, then the visitor's (if
        another), each only when it has a voice and may be spoken."""
        wanted = [self.primary]
        if visitor and visitor != self.primary:
            wanted.append(visitor)
        return [code for code in wanted if self.settings.voice(code)]

    def recipes(
        self,
        code: str,
        desk: str | None,
        visitor: str | None,
        desk_names: Mapping[str, str] | None = None,
    ) -> list[Recipe]:
        """The parts of a call's announcement, in the order they are played; each names the
        desk in its language where the desk has a name in it (``desk_names``), else ``desk``."""
        s = self.settings
        names = desk_names or {}
        return [
            Recipe(
                speech_text(language, code, (names.get(language) or desk) if desk else None),
                str(s.voice(language)),
                s.rate,
                s.pitch,
            )
            for language in self.languages(visitor)
        ]

    def announcement(
        self,
        code: str,
        desk: str | None,
        visitor: str | None,
        desk_names: Mapping[str, str] | None = None,
    ) -> list[str]:
        """The URLs of a call's spoken parts in the order they are played; none when no
        engine is installed (the lobby then only chimes)."""
        if not self.available():
            return []
        return [self.url(recipe) for recipe in self.recipes(code, desk, visitor, desk_names)]

    def url(self, recipe: Recipe) -> str:
        token = self._signer.dumps([recipe.text, recipe.voice, recipe.rate, recipe.pitch])
        return f"{URL_PREFIX}{token}.wav"

    def recipe(self, token: str) -> Recipe | None:
        """The recipe a token of :meth:`url` holds; None for anything this server did not
        sign (nobody can have arbitrary text synthesised)."""
        from itsdangerous import BadSignature

        try:
            text, voice, rate, pitch = self._signer.loads(token)
        except (BadSignature, ValueError, TypeError):
            return None
        return Recipe(str(text), str(voice), int(rate), int(pitch))

    # --- the audio ---------------------------------------------------------------------

    def cached(self, recipe: Recipe) -> Path:
        return self.cache_dir / f"{recipe.key()}.wav"

    def audio(self, recipe: Recipe) -> Path:
        """The WAV file of ``recipe``, synthesised now if it is not cached yet.

        One synthesis per file at a time in this process (many screens ask at once);
        another process may make the same file meanwhile, harmlessly: each writes its own
        temporary file and moves it into place whole. Raises :class:`SpeechFailed`."""
        path = self.cached(recipe)
        if path.exists():
            return path
        with self._lock(recipe.key()):
            if not path.exists():
                self._synthesise(recipe, path)
        return path

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            if len(self._locks) > 1000:  # forget idle ones now and then
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return self._locks.setdefault(key, threading.Lock())

    def _synthesise(self, recipe: Recipe, path: Path) -> None:
        from servicepoint import green

        if not self.available():
            raise SpeechFailed("no speech engine installed")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.wav")
        argv = [
            self.settings.command,
            "-v",
            recipe.voice,
            "-s",
            str(recipe.rate),
            "-p",
            str(recipe.pitch),
            "-w",
            str(partial),
            "--",
            recipe.text,
        ]
        try:
            ok = green.run_bounded(argv, self.settings.timeout)
            if not ok or not partial.exists() or partial.stat().st_size <= 44:
                raise SpeechFailed(f"{self.settings.command} failed for voice {recipe.voice}")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self._made += 1
        if self._made % _PRUNE_EVERY == 0:
            prune(self.cache_dir, _CACHE_DAYS)


def prune(folder: Path, days: int) -> int:
    """Remove cached announcements older than ``days``; returns how many went."""
    limit = time.time() - days * 86400
    removed = 0
    for path in folder.glob("*.wav"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def speaker_for(config: Mapping[str, Any], instance_path: str | Path) -> Speaker:
    """The application's speaker, from its settings."""
    primary = i18n.offered(str(config.get("LANGUAGES") or "de"))[0]
    return Speaker(
        SpeechSettings.from_settings(config),
        str(config["SECRET_KEY"]),
        Path(instance_path) / CACHE_FOLDER,
        primary=primary,
    )
