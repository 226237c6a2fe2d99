"""Write the phone's call sound: three quick rising bell tones, as a small WAV file.

The status page plays it when the visitor's ticket is called (display/static/display/
status.js). Brighter and louder than the lobby's chime (tools/make_chime.py): a phone's small
speaker in a pocket or a hand. Standard library only and deterministic, like the chime. Run
from the repository root::

    python tools/make_ring.py            # writes display/static/display/ring.wav
    python tools/make_ring.py out.wav    # or somewhere else
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 16000  # samples per second, mono: small enough for a phone on a slow network
DURATION = 1.1  # seconds
PEAK = 0.85  # of full scale: about -1.4 dBFS, as loud as a phone plays without clipping

# (start second, fundamental Hz, level): C6, E6, G6, a rising "ding-ding-ding".
NOTES = [(0.0, 1046.5, 1.0), (0.16, 1318.5, 1.0), (0.32, 1568.0, 1.0)]
# Bell-like partials (multiple of the fundamental, relative level, decay rate per second).
PARTIALS = [(1.0, 1.0, 4.5), (2.0, 0.25, 8.0), (3.0, 0.08, 12.0)]
ATTACK = 0.006  # seconds of raised-cosine fade-in: no click at the start of a note
RELEASE = 0.08  # seconds of fade-out at the end of the file: ends exactly on silence

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "display/static/display/ring.wav"


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
    """The sound as floats in -1..1, normalised to ``PEAK``."""
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
    """Write the sound to ``path`` as 16-bit mono PCM WAV."""
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
