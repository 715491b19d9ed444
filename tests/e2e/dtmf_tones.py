"""Keypad tones in audio, found as a phone exchange finds them: each 25 ms window's power at the
eight DTMF frequencies (the Goertzel algorithm); a window is a key when one row and one column
frequency carry nearly all of its energy, and a key held over several windows is one press."""

import math

RATE = 8000
WINDOW = 205  # samples: the usual Goertzel block at 8 kHz (about 25 ms)
ROWS = (697, 770, 852, 941)
COLUMNS = (1209, 1336, 1477, 1633)
KEYPAD = ("123A", "456B", "789C", "*0#D")
_TONE_SHARE = 0.6  # of the window's energy in its two frequencies: speech never gets near


def _power(samples: list[float], frequency: int) -> float:
    coefficient = 2 * math.cos(2 * math.pi * frequency / RATE)
    before = earlier = 0.0
    for sample in samples:
        before, earlier = sample + coefficient * before - earlier, before
    return before * before + earlier * earlier - coefficient * before * earlier


def _key(samples: list[float]) -> str | None:
    energy = sum(s * s for s in samples)
    if energy == 0:
        return None
    rows = [_power(samples, f) for f in ROWS]
    columns = [_power(samples, f) for f in COLUMNS]
    row, column = max(range(4), key=rows.__getitem__), max(range(4), key=columns.__getitem__)
    # A pure sine of energy E over N samples has a Goertzel power of about E * N / 2.
    share = (rows[row] + columns[column]) / (energy * len(samples) / 2)
    return KEYPAD[row][column] if share > _TONE_SHARE else None


def keys_in(pcm: bytes, least_windows: int = 3) -> str:
    """The keys pressed in 8 kHz 16-bit PCM, in order."""
    samples = memoryview(pcm).cast("h").tolist()
    found, current, run = [], None, 0
    for start in range(0, len(samples) - WINDOW + 1, WINDOW):
        key = _key([float(s) for s in samples[start : start + WINDOW]])
        if key == current:
            run += 1
        else:
            current, run = key, 1
        if key is not None and run == least_windows:
            found.append(key)
    return "".join(found)
