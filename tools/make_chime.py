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
from pathlib import Path

RATE = 22050  # samples per second, mono
DURATION = 1.2  # seconds
PEAK = 0.6  # of full scale: about -4.4 dBFS, loud enough on a TV without clipping

# (start second, fundamental Hz, level): a descending major third, E5 then C5, like a door
# bell; the second note is struck a little softer because the first still rings under it.
NOTES = [(0.0, 659.25, 1.0), (0.42, 523.25, 0.8)]
# Bell-like partials (multiple of the fundamental, relative level, decay rate per second):
# the fundamental rings longest; the bright upper partials fade fast so the tone stays soft.
PARTIALS = [(1.0, 1.0, 3.2), (2.0, 0.32, 6.0), (3.0, 0.12, 9.0), (4.2, 0.05, 14.0)]
ATTACK = 0.012  # seconds of raised-cosine fade-in: no click at the start of a note
RELEASE = 0.08  # seconds of fade-out at the end of the file: ends exactly on silence

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "display/static/display/chime.wav"


def note(t: float, frequency: float, strength: float) -> float:
    """One struck note ``t`` seconds after it started (0 before it)."""
    if t < 0:
        return 0.0
    attack = 0.5 - 0.5 * math.cos(math.pi * t / ATTACK) if t < ATTACK else 1.0
    value = 0.0
    for multiple, level, decay in PARTIALS:
        value += level * math.exp(-decay * t) * math.sin(2 * math.pi * frequency * multiple * t)
    return strength * attack * value


def samples() -> list[float]:
    """The chime as floats in -1..1, normalised to ``PEAK``."""
    count = round(RATE * DURATION)
    raw = []
    for i in range(count):
        t = i / RATE
        value = sum(note(t - start, frequency, level) for start, frequency, level in NOTES)
        remaining = DURATION - t
        if remaining < RELEASE:
            value *= 0.5 - 0.5 * math.cos(math.pi * remaining / RELEASE)
        raw.append(value)
    loudest = max(abs(v) for v in raw)
    return [v * PEAK / loudest for v in raw]


def write(path: Path) -> None:
    """Write the chime to ``path`` as 16-bit mono PCM WAV."""
    frames = b"".join(struct.pack("<h", round(v * 32767)) for v in samples())
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    write(target)
    print(f"wrote {target} ({target.stat().st_size} bytes, {DURATION} s, {RATE} Hz mono 16-bit)")
