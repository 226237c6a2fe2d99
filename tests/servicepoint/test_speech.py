"""Calls spoken aloud (servicepoint.speech): what is said, in which languages, and the audio
itself — measured: non-silent speech of a plausible length in every language with a voice."""

from __future__ import annotations

import array
import math
import subprocess
import wave
from pathlib import Path

import pytest

from servicepoint import i18n, speech
from servicepoint.speech import Recipe, Speaker, SpeechFailed, SpeechSettings


def measure(path: Path) -> tuple[float, float, float]:
    """(seconds, RMS of the whole file, share of 20 ms frames louder than -40 dBFS)."""
    with wave.open(str(path)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        rate = audio.getframerate()
        samples = array.array("h", audio.readframes(audio.getnframes()))
    seconds = len(samples) / rate
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) / 32768
    frame = rate // 50
    loud = 0
    frames = range(0, len(samples) - frame, frame)
    for start in frames:
        chunk = samples[start : start + frame]
        if math.sqrt(sum(s * s for s in chunk) / frame) / 32768 > 0.01:
            loud += 1
    return seconds, rms, loud / max(1, len(frames))


def make_speaker(tmp_path: Path, **settings) -> Speaker:
    return Speaker(SpeechSettings(**settings), "secret", tmp_path / "speech", primary="de")


def installed_voices() -> set[str]:
    listing = subprocess.run(
        ["espeak-ng", "--voices"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    return {line.split()[1] for line in listing.splitlines()[1:] if line.split()}


def test_the_code_is_spelled_to_be_read_well():
    assert speech.spoken_code("B012") == "B 12"
    assert speech.spoken_code("AB007") == "A B 7"
    assert speech.spoken_code("Z100") == "Z 100"
    assert speech.speech_text("de", "B012", "Raum 2") == "Nummer B 12, bitte zu Raum 2."
    assert speech.speech_text("en", "B012", None) == "Number B 12."


def test_every_built_in_voice_is_installed():
    assert set(speech.VOICES.values()) <= installed_voices()
    # espeak-ng speaks neither Tigrinya nor Pashto: those visitors hear German only.
    assert not {"ti", "ps"} & installed_voices()
    assert "ti" not in speech.VOICES and "ps" not in speech.VOICES


@pytest.mark.parametrize("language", sorted(i18n.offered(list(speech.VOICES))))
def test_each_language_is_spoken_as_speech_of_plausible_length(tmp_path, language):
    """Every kiosk language with a catalog and a voice: the call in that language is a
    mono 16-bit WAV of about one to six seconds, mostly sound, clearly above silence."""
    speaker = make_speaker(tmp_path)
    recipe = speaker.recipes("B012", "Raum 2", language)[-1]  # German comes first
    assert recipe.voice == speech.VOICES[language]
    path = speaker.audio(recipe)
    seconds, rms, loud = measure(path)
    assert 1.0 < seconds < 6.0, (language, recipe.text, seconds)
    assert rms > 0.02, (language, rms)
    assert loud > 0.4, (language, loud)
    # A longer text takes longer: it is the words that are spoken, not a fixed sound.
    longer = Recipe(recipe.text + " " + recipe.text, recipe.voice, recipe.rate, recipe.pitch)
    assert measure(speaker.audio(longer))[0] > seconds * 1.5


def test_audio_is_cached_by_text_voice_and_settings(tmp_path):
    speaker = make_speaker(tmp_path)
    [recipe] = speaker.recipes("B012", "Raum 2", "de")
    first = speaker.audio(recipe)
    made = first.stat().st_mtime_ns
    assert speaker.audio(recipe) == first and first.stat().st_mtime_ns == made
    slower = make_speaker(tmp_path, rate=100)
    [slow] = slower.recipes("B012", "Raum 2", "de")
    assert slower.audio(slow) != first
    assert measure(slower.audio(slow))[0] > measure(first)[0]
    assert sorted(p.name for p in (tmp_path / "speech").iterdir()) == sorted(
        [first.name, slower.audio(slow).name]
    )  # no temporary files left behind


def test_german_first_then_the_visitors_language_where_it_has_a_voice(tmp_path):
    speaker = make_speaker(tmp_path)
    assert speaker.languages("de") == ["de"]
    assert speaker.languages("ar") == ["de", "ar"]
    assert speaker.languages("ti") == ["de"]  # no voice for Tigrinya
    assert speaker.languages("ps") == ["de"]  # nor for Pashto
    texts = [r.text for r in speaker.recipes("B012", "Raum 2", "en")]
    assert texts == ["Nummer B 12, bitte zu Raum 2.", "Number B 12, please go to Raum 2."]
    only_german = make_speaker(tmp_path, languages=frozenset({"de"}))
    assert only_german.languages("en") == ["de"]


def test_settings_choose_languages_and_voices():
    settings = SpeechSettings.from_settings(
        {
            "SPEECH_COMMAND": "espeak-ng",
            "SPEECH_LANGUAGES": "de, en",
            "SPEECH_VOICES": "de=de+f3,en=,tr=bad voice!",
            "SPEECH_VOLUME": 150,
        }
    )
    assert settings.voice("de") == "de+f3"
    assert settings.voice("en") is None  # switched off
    assert settings.voice("uk") is None  # not among the spoken languages
    assert settings.voices["tr"] == "tr"  # a malformed voice is ignored
    assert settings.volume == 100


def test_only_signed_recipes_are_spoken(tmp_path):
    speaker = make_speaker(tmp_path)
    [url] = speaker.announcement("B012", "Raum 2", "de")
    assert url.startswith("/display/announcements/") and url.endswith(".wav")
    token = url.removeprefix("/display/announcements/").removesuffix(".wav")
    assert speaker.recipe(token) == speaker.recipes("B012", "Raum 2", "de")[0]
    assert speaker.recipe(token[:-2] + "xx") is None
    other = Speaker(SpeechSettings(), "another secret", tmp_path, primary="de")
    assert other.recipe(token) is None


def test_no_engine_means_no_announcement_and_a_clear_failure(tmp_path):
    speaker = make_speaker(tmp_path, command="no-such-speech-engine")
    assert not speaker.available()
    assert speaker.announcement("B012", "Raum 2", "en") == []
    with pytest.raises(SpeechFailed):
        speaker.audio(speaker.recipes("B012", "Raum 2", "de")[0])


def test_a_slow_engine_is_stopped_at_the_timeout(tmp_path):
    slow = tmp_path / "slow-engine"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    speaker = make_speaker(tmp_path, command=str(slow), timeout=0.5)
    assert speaker.available()
    with pytest.raises(SpeechFailed):
        speaker.audio(speaker.recipes("B012", "Raum 2", "de")[0])
    assert list((tmp_path / "speech").iterdir()) == []


def test_old_files_are_pruned(tmp_path):
    import os

    speaker = make_speaker(tmp_path)
    path = speaker.audio(speaker.recipes("B012", "Raum 2", "de")[0])
    assert speech.prune(tmp_path / "speech", 30) == 0
    os.utime(path, (0, 0))
    assert speech.prune(tmp_path / "speech", 30) == 1 and not path.exists()
