"""Wav writing: the config's generate.audio strategy through audiocraft's normalize_audio, one path for all."""
import numpy as np
import pytest
import soundfile
import torch
import torchaudio

from audiocraft_expotion.media.wav import normalisation, write_wav
from audiocraft_expotion.resources import generate_audio_settings

RATE = 32000


def _music(seconds: float = 2.) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.05 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 2 * t)))[None].astype(np.float32)


def test_peak_strategy_scales_to_the_headroom(tmp_path):
    written = write_wav(tmp_path / "peak.wav", _music(), RATE, strategy="peak", peak_clip_headroom_db=1)
    data, rate = soundfile.read(tmp_path / "peak.wav", dtype="float32", always_2d=True)
    assert rate == RATE and data.shape == (2 * RATE, 1)
    assert np.abs(data).max() == pytest.approx(10 ** (-1 / 20), abs=1e-4)
    assert np.allclose(data.T, written, atol=1 / 2 ** 15)  # the returned samples are what the file holds


def test_loudness_strategy_reaches_the_target_loudness(tmp_path):
    settings = {"strategy": "loudness", "loudness_headroom_db": 14}
    write_wav(tmp_path / "loud.wav", _music(), RATE, **settings)
    data, _ = soundfile.read(tmp_path / "loud.wav", dtype="float32", always_2d=True)
    loudness = float(torchaudio.functional.loudness(torch.from_numpy(data.T), RATE))
    assert loudness == pytest.approx(-14, abs=0.5)
    quiet = write_wav(tmp_path / "quiet.wav", _music(), RATE, strategy="loudness", loudness_headroom_db=24)
    assert np.abs(quiet).max() < np.abs(data).max()


def test_clip_none_silence_and_bad_input(tmp_path):
    loud = 3 * _music(0.5) / np.abs(_music(0.5)).max()
    assert np.abs(write_wav(tmp_path / "clip.wav", loud, RATE, strategy="clip")).max() == pytest.approx(
        10 ** (-1 / 20), abs=1e-6)
    assert np.abs(write_wav(tmp_path / "none.wav", loud, RATE, strategy="none")).max() == 1.
    silence = write_wav(tmp_path / "silence.wav", np.zeros((2, 100), np.float32), RATE, strategy="loudness")
    assert not silence.any() and soundfile.info(tmp_path / "silence.wav").channels == 2
    with pytest.raises(ValueError, match="NaN"):
        write_wav(tmp_path / "nan.wav", np.full((1, 10), np.nan, np.float32), RATE)
    with pytest.raises(ValueError, match="strategy"):
        write_wav(tmp_path / "x.wav", _music(0.1), RATE, strategy="louder")
    with pytest.raises(ValueError, match=r"\[C, S\]"):
        write_wav(tmp_path / "x.wav", _music(0.1)[0], RATE)
    assert not (tmp_path / "x.wav").exists() and not (tmp_path / "nan.wav").exists()


def test_cli_and_solver_read_the_same_config_section():
    from omegaconf import OmegaConf
    from audiocraft_expotion.resources import config_dir
    section = OmegaConf.load(config_dir() / "solver" / "expotion" / "base.yaml").generate.audio
    assert generate_audio_settings() == normalisation(section) == {"strategy": "loudness", "loudness_headroom_db": 14}
