"""Write the phone's call sound: three quick rising bell tones, as a small WAV file.

The status page plays it when the visitor's ticket is called (display/static/display/
status.js). Brighter and louder than the lobby's chime (tools/make_chime.py): a phone's small
speaker in a pocket or a hand. Standard library only and deterministic, like the chime. Run
from the repository root::

    python tools/make_ring.py            # writes display/static/display/ring.wav
    python tools/make_ring.py out.wav    # or somewhere else
"""

from __future__ import annotations

from pathlib import Path

from make_chime import Bell, main

# Three quick rising bell tones, C6, E6, G6 ("ding-ding-ding"), at 16 kHz (small enough for a
# phone on a slow network), about -1.4 dBFS: as loud as a phone plays without clipping.
RING = Bell(
    rate=16000,
    duration=1.1,
    peak=0.85,
    notes=[(0.0, 1046.5, 1.0), (0.16, 1318.5, 1.0), (0.32, 1568.0, 1.0)],
    partials=[(1.0, 1.0, 4.5), (2.0, 0.25, 8.0), (3.0, 0.08, 12.0)],
    attack=0.006,
)

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "display/static/display/ring.wav"


if __name__ == "__main__":
    main(RING, DEFAULT_OUTPUT)
