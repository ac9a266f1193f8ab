"""The generation CLI on the real clips: music video, wav and plot, and clear errors for bad videos."""
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
import soundfile

from audiocraft_expotion.generate import input_checks
from audiocraft_expotion.generate.__main__ import main
from audiocraft_expotion.media.probe import probe_video

REPO = Path(__file__).resolve().parents[2]


def picture_packets(path: Path) -> list:
    """Bytes of every packet of the first video stream."""
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m audiocraft_expotion.generate ARGS`` in a fresh process (this checkout first on the path)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "audiocraft_expotion.generate", *args], capture_output=True,
                          text=True, env=env, timeout=600, cwd=cwd)


@pytest.mark.parametrize("name", ["owl_clip3.mp4",
                                  pytest.param("rabbit_clip2.mp4", marks=pytest.mark.slow),
                                  pytest.param("monkey_clip18.mp4", marks=pytest.mark.slow)])
def test_cli_makes_music_video(real_videos, tmp_path, capsys, monkeypatch, name):
    video = real_videos[name]
    out = tmp_path / "out" / f"{video.stem}.mp4"
    probed = []
    monkeypatch.setattr(input_checks, "probe_video", lambda path: probed.append(path) or probe_video(path))
    assert main([str(video), "--prompt", "upbeat jazz", "-o", str(out), "--quiet", "--model", "tiny",
                 "--cache", str(tmp_path / "cache")]) == 0
    assert "UNTRAINED" in capsys.readouterr().out
    assert probed == [video]  # the input is checked once, before the model loads
    source = probe_video(video)
    frame = (source.end - source.start) / source.num_frames
    with av.open(str(out)) as container:
        assert sorted(s.type for s in container.streams) == ["audio", "video"]
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.sample_rate) == ("aac", 32000)
        assert abs(float(audio.duration * audio.time_base) - source.end) <= frame
    assert picture_packets(out) == picture_packets(video)
    assert decoded_frames(out) == decoded_frames(video) == source.num_frames
    info = soundfile.info(str(out.with_suffix(".wav")))
    assert (info.samplerate, info.frames) == (32000, round(source.end * 32000))
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [f"{video.stem}.flow.npz",
                                                                      f"{video.stem}.mediapipe_face.npz"]


def test_unreadable_video_is_named(tmp_path, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    assert main([str(broken), "-o", str(tmp_path / "out.mp4")]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "cannot open" in err
    assert not (tmp_path / "out.mp4").exists()


def test_missing_video_through_module_entry_point(tmp_path):
    missing = tmp_path / "missing.mp4"
    proc = run_module(str(missing), "-o", str(tmp_path / "out.mp4"), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {missing}: ") and "does not exist" in lines[0]


def model_error(argv_model: str, video: Path, tmp_path: Path, capsys) -> str:
    """The one error line of a generation with ``--model argv_model`` (exit code 2 checked)."""
    assert main([str(video), "-o", str(tmp_path / "out.mp4"), "--model", argv_model]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("name", ["{tmp}/no_model", "./no_model", "no_model", "outputs/no_model", "~/no_model_xyz"])
def test_missing_model_path_is_named_not_sent_to_the_hub(real_videos, tmp_path, capsys, monkeypatch, name):
    """A --model that is a path (or a NAMESPACE/NAME whose first part is a local folder) but does not exist."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    name = name.format(tmp=tmp_path)
    error = model_error(name, real_videos["owl_clip3.mp4"], tmp_path, capsys)
    assert error.startswith(f"error: {name}: no such model file or folder") and "Hugging Face" not in error


def test_training_folder_as_model_gives_the_export_command(real_videos, tmp_path, capsys):
    xp = tmp_path / "xps" / "xps" / "0123abcd"
    xp.mkdir(parents=True)
    (xp / ".argv.json").write_text("[]")
    (xp / "checkpoint.th").write_bytes(b"")
    error = model_error(str(xp), real_videos["owl_clip3.mp4"], tmp_path, capsys)
    assert "training run" in error and f"python -m audiocraft_expotion.export {xp} OUT_DIR" in error
    error = model_error("0123abcd", real_videos["owl_clip3.mp4"], tmp_path, capsys)
    assert "python -m audiocraft_expotion.export 0123abcd OUT_DIR" in error


def test_folder_without_a_model_is_named(real_videos, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    error = model_error(str(tmp_path / "empty"), real_videos["owl_clip3.mp4"], tmp_path, capsys)
    assert error.startswith(f"error: {tmp_path / 'empty'}: not a model folder")


def test_model_names_that_need_no_file_pass_the_check(tmp_path):
    from audiocraft_expotion.generate.model_choice import resolve_model_name
    (tmp_path / "musicgen").mkdir()
    for name in ("state_dict.bin", "compression_state_dict.bin"):
        (tmp_path / "musicgen" / name).write_bytes(b"")
    for name in ("tiny", "small", "facebook/musicgen-small", str(tmp_path / "musicgen")):
        assert resolve_model_name(name) == name
