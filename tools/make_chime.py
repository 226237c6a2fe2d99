"""Write the lobby screen's call chime: a soft two-tone "ding-dong" as a WAV file.

Standard library only, and deterministic (same bytes on every run), so the file in the
repository can be regenerated and compared. Run from the repository root::

    python tools/make_chime.py            # writes display/static/display/chime.wav
    python tools/make_chime.py out.wav    # or somewhere else
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Bell:
    """A struck-bell sound: its sample rate, length and peak level, its notes (start second,
    fundamental Hz, level), the partials of each note (multiple of the fundamental, relative
    level, decay rate per second), and the raised-cosine fade-in of a note and fade-out of
    the file (seconds: no click at either end)."""

    rate: int
    duration: float
    peak: float
    notes: list[tuple[float, float, float]]
    partials: list[tuple[float, float, float]]
    attack: float
    release: float = 0.08


# The lobby's chime: a descending major third, E5 then C5, like a door bell; the second note
# is struck a little softer because the first still rings under it. The fundamental rings
# longest; the bright upper partials fade fast so the tone stays soft. About -4.4 dBFS: loud
# enough on a TV without clipping.
CHIME = Bell(
    rate=22050,
    duration=1.2,
    peak=0.6,
    notes=[(0.0, 659.25, 1.0), (0.42, 523.25, 0.8)],
    partials=[(1.0, 1.0, 3.2), (2.0, 0.32, 6.0), (3.0, 0.12, 9.0), (4.2, 0.05, 14.0)],
    attack=0.012,
)

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "display/static/display/chime.wav"


def note(bell: Bell, t: float, frequency: float, strength: float) -> float:
    """One struck note ``t`` seconds after it started (0 before it)."""
    if t < 0:
        return 0.0
    attack = 0.5 - 0.5 * math.cos(math.pi * t / bell.attack) if t < bell.attack else 1.0
    value = 0.0
    for multiple, level, decay in bell.partials:
        value += level * math.exp(-decay * t) * math.sin(2 * math.pi * frequency * multiple * t)
    return strength * attack * value


def samples(bell: Bell) -> list[float]:
    """The sound as floats in -1..1, normalised to the bell's ``peak``."""
    count = round(bell.rate * bell.duration)
    raw = []
    for i in range(count):
        t = i / bell.rate
        value = sum(note(bell, t - at, frequency, level) for at, frequency, level in bell.notes)
        remaining = bell.duration - t
        if remaining < bell.release:
            value *= 0.5 - 0.5 * math.cos(math.pi * remaining / bell.release)
        raw.append(value)
    loudest = max(abs(v) for v in raw)
    return [v * bell.peak / loudest for v in raw]


def write(bell: Bell, path: Path) -> None:
    """Write the sound to ``path`` as 16-bit mono PCM WAV."""
    frames = b"".join(struct.pack("<h", round(v * 32767)) for v in samples(bell))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(bell.rate)
        out.writeframes(frames)


def main(bell: Bell, default_output: Path) -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default_output
    write(bell, target)
    print(f"wrote {target} ({target.stat().st_size} bytes, {bell.duration} s, {bell.rate} Hz)")


if __name__ == "__main__":
    main(CHIME, DEFAULT_OUTPUT)
