"""The audio reader (audiocraft's audio_read/convert_audio, on clip time) and the audio-track cache."""
import os
from fractions import Fraction

import av
import numpy as np
import pytest
import soundfile
import torch

from audiocraft_expotion.media.audio import extract_audio_track, read_audio, resample
from audiocraft_expotion.media.container import MediaError
from features.synthetic import square_frame, write_video


def write_delayed_audio_video(path, delay: float, duration: float, sample_rate: int = 44100) -> None:
    """An mp4 (tiny video + AAC stereo track starting ``delay`` s late) of a 440 Hz tone."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width = video.height = 32
        video.pix_fmt = "yuv420p"
        audio = container.add_stream("aac", rate=sample_rate, layout="stereo")
        for _ in range(int((delay + duration) * 10)):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            container.mux(video.encode(frame))
        t = np.arange(int(duration * sample_rate)) / sample_rate
        tone = np.repeat(0.5 * np.sin(2 * np.pi * 440 * t)[None].astype(np.float32), 2, axis=0)
        frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = sample_rate, int(delay * sample_rate), Fraction(1, sample_rate)
        container.mux(audio.encode(frame))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))


def test_audio_is_placed_on_the_clip_timeline(tmp_path):
    video = tmp_path / "delayed.mp4"
    write_delayed_audio_video(video, delay=0.5, duration=1.0)
    wav, rate = read_audio(video, 32000)
    assert rate == 32000 and wav.shape[0] == 1 and wav.dtype == torch.float32
    wav = wav[0].numpy()
    envelope = np.abs(wav[:len(wav) // 320 * 320]).reshape(-1, 320).max(axis=1)  # 10 ms frames
    onset = np.argmax(envelope > 0.1) / 100
    assert onset == pytest.approx(0.5, abs=0.03)
    assert len(wav) / 32000 == pytest.approx(1.5, abs=0.05)
    stereo, native = read_audio(video, channels=None)
    assert native == 44100 and stereo.shape[0] == 2


def test_real_clip_audio_32k_mono(real_videos, tmp_path):
    wav, rate = read_audio(real_videos["monkey_clip18.mp4"], 32000)
    assert rate == 32000 and wav.shape[0] == 1 and wav.shape[1] / 32000 == pytest.approx(10., abs=0.05)
    native, rate = read_audio(real_videos["rabbit_clip2.mp4"])
    assert rate == 32000 and 0.01 < float(native.abs().max()) < 1.5  # AAC decoding may overshoot a little
    path = write_video(tmp_path / "a.mp4", [square_frame(8)] * 5, np.arange(5) / 10, audio_seconds=1.)
    sine = read_audio(path, sample_rate=16000)[0][0].numpy()
    assert len(sine) / 16000 == pytest.approx(1., abs=0.1)
    spectrum = np.abs(np.fft.rfft(sine))
    assert np.fft.rfftfreq(len(sine), 1 / 16000)[spectrum.argmax()] == pytest.approx(440, abs=5)


def test_roundtrip_flac_and_resample(tmp_path):
    wav = (0.5 * np.sin(np.arange(8000) / 10)).astype(np.float32)
    soundfile.write(tmp_path / "x.flac", wav, 8000)
    loaded, rate = read_audio(tmp_path / "x.flac")
    assert rate == 8000 and np.allclose(loaded[0].numpy(), wav, atol=1e-4)
    tone = torch.sin(2 * np.pi * 440 * torch.arange(16000) / 16000)
    up = resample(tone, 16000, 32000)
    assert up.shape == (32000,)
    assert np.fft.rfftfreq(32000, 1 / 32000)[np.abs(np.fft.rfft(up.numpy())).argmax()] == pytest.approx(440, abs=2)


@pytest.mark.parametrize("make,message", [
    (lambda p: p / "missing.wav", "does not exist"),
    (lambda p: (p / "bad.wav").write_text("not audio") and p / "bad.wav", "cannot open"),
    (lambda p: write_video(p / "silent.mp4", [square_frame(8)] * 3, [0, .1, .2]), "no audio stream"),
])
def test_bad_audio_gives_clear_errors(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(MediaError, match=message) as error:
        read_audio(path)
    assert str(path) in str(error.value)


def test_extraction_is_cached_by_time_and_rate(tmp_path):
    video = tmp_path / "clip.mp4"
    write_delayed_audio_video(video, delay=0.0, duration=0.5)
    out = extract_audio_track(video, tmp_path / "clip.wav", 32000)
    assert soundfile.info(out).samplerate == 32000 and soundfile.info(out).channels == 1
    os.utime(out, (1e9 + 1e6, video.stat().st_mtime + 10))
    mtime = out.stat().st_mtime
    assert extract_audio_track(video, out, 32000).stat().st_mtime == mtime  # cached
    assert soundfile.info(extract_audio_track(video, out, 16000)).samplerate == 16000  # other rate: redone
    silent = write_video(tmp_path / "silent.mp4", [square_frame(8)] * 3, [0, .1, .2])
    with pytest.raises(MediaError, match=f"{silent}: no audio stream"):
        extract_audio_track(silent, tmp_path / "silent.wav")
