import os
from fractions import Fraction

import av
import numpy as np
import pytest
import soundfile

from audiocraft_expotion.data.audio_track import extract_audio_track
from audiocraft_expotion.features.audio import read_audio
from audiocraft_expotion.features.video import VideoError


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
    wav = read_audio(video, 32000)[0]
    assert wav.ndim == 1 and wav.dtype == np.float32
    envelope = np.abs(wav[:len(wav) // 320 * 320]).reshape(-1, 320).max(axis=1)  # 10 ms frames
    onset = np.argmax(envelope > 0.1) / 100
    assert onset == pytest.approx(0.5, abs=0.03)
    assert len(wav) / 32000 == pytest.approx(1.5, abs=0.05)


def test_extraction_is_cached_by_time_and_rate(tmp_path):
    video = tmp_path / "clip.mp4"
    write_delayed_audio_video(video, delay=0.0, duration=0.5)
    out = extract_audio_track(video, tmp_path / "clip.wav", 32000)
    assert soundfile.info(out).samplerate == 32000 and soundfile.info(out).channels == 1
    os.utime(out, (1e9 + 1e6, video.stat().st_mtime + 10))
    mtime = out.stat().st_mtime
    assert extract_audio_track(video, out, 32000).stat().st_mtime == mtime  # cached
    assert soundfile.info(extract_audio_track(video, out, 16000)).samplerate == 16000  # other rate: redone


def test_video_without_audio_is_an_error(tmp_path):
    video = tmp_path / "silent.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width = stream.height = 32
        for _ in range(3):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")))
        container.mux(stream.encode(None))
    with pytest.raises(VideoError, match=f"{video}: no audio stream"):
        extract_audio_track(video, tmp_path / "silent.wav")
