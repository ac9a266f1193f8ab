"""Rhythm alignment metrics between generated and reference music (paper §4.4.1).

- tempo error: ``|BPM_gen - BPM_ref|`` of the global tempi, in BPM (lower is better);
- beat F1: ``mir_eval.beat.f_measure`` (±70 ms window) of generated beats against reference beats,
  in [0, 1] (higher is better). Beats are not trimmed (mir_eval's evaluate() drops the first
  5 s, half of a 10 s clip).
"""
import warnings

import mir_eval
import numpy as np

from .beats import BeatTrack

F_MEASURE_WINDOW = 0.07  # seconds


def tempo_error(generated: BeatTrack, reference: BeatTrack) -> float:
    """Absolute tempo difference in BPM."""
    return abs(generated.tempo - reference.tempo)


def beat_f1(generated: BeatTrack, reference: BeatTrack, window: float = F_MEASURE_WINDOW) -> float:
    """Beat F-measure of generated beats against reference beats (0 when either has no beat)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # mir_eval warns about empty beat lists and returns 0
        return float(mir_eval.beat.f_measure(np.asarray(reference.beats), np.asarray(generated.beats), window))
