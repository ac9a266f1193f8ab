import pytest
import torch

from audiocraft_expotion.eval.beats import track_beats
from audiocraft_expotion.eval.rhythm import beat_f1, tempo_error

SR = 22050


@pytest.mark.parametrize("bpm", [90, 120, 140])
def test_click_track_tempo(click_track, bpm):
    assert track_beats(click_track(bpm), SR).tempo == pytest.approx(bpm, abs=2.0)


def test_tempo_error_between_click_tracks(click_track):
    gen, ref = track_beats(click_track(100), SR), track_beats(click_track(120), SR)
    assert tempo_error(gen, ref) == pytest.approx(20.0, abs=3.0)
    assert tempo_error(gen, ref) == tempo_error(ref, gen)


def test_beat_f1_self_shifted_and_other_tempo(click_track):
    ref = track_beats(click_track(120), SR)
    assert beat_f1(ref, ref) == 1.0
    shifted = track_beats(click_track(120, offset=0.35), SR)  # half a beat late: far beyond ±70 ms
    other = track_beats(click_track(90), SR)
    assert beat_f1(shifted, ref) < 0.3
    assert beat_f1(other, ref) < 0.7


def test_beat_f1_of_silence_is_zero(click_track):
    silence = track_beats(torch.zeros(SR * 5), SR)
    assert beat_f1(silence, track_beats(click_track(120), SR)) == 0.0
