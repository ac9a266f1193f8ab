"""No input is ever lost, no silently wrong input, and one `error: ...` line (exit 2) for each user mistake."""
import os
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from audiocraft_expotion.generate.__main__ import main
from audiocraft_expotion.generate.input_checks import check_input


def snapshot(folder: Path) -> dict:
    """Every file under ``folder``: (size, mtime_ns, inode, bytes)."""
    return {p.relative_to(folder): (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def input_folder(short_clip, tmp_path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    shutil.copy(short_clip, folder / "clip.avi")
    return folder


@pytest.mark.parametrize("output", ["same", "symlink", "hardlink"])
def test_output_that_is_the_input_is_refused(input_folder, capsys, output):
    video = input_folder / "clip.avi"
    target = {"same": video, "symlink": input_folder / "link.mp4", "hardlink": input_folder / "hard.mp4"}[output]
    if output == "symlink":
        target.symlink_to(video)
    elif output == "hardlink":
        os.link(video, target)
    before = snapshot(input_folder)
    if output == "same":  # -o must be an .mp4: the input itself, named .mp4
        mp4 = input_folder / "clip.mp4"
        video.rename(mp4)
        video = target = mp4
        before = snapshot(input_folder)
    assert main([str(video), "-o", str(target), "--model", "tiny"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "would overwrite the input video" in line and str(video) in line
    assert snapshot(input_folder) == before


def test_outputs_are_renamed_into_place_and_input_untouched(input_folder, tmp_path, tiny_generator):
    video = input_folder / "clip.avi"
    before = snapshot(input_folder)
    out = tmp_path / "out" / "clip.mp4"
    out.parent.mkdir()
    stale = {suffix: out.with_suffix(suffix) for suffix in (".mp4", ".wav", ".png")}
    for path in stale.values():
        path.write_bytes(b"an older result")
    inodes = {suffix: path.stat().st_ino for suffix, path in stale.items()}
    tiny_generator(video, "calm piano", out, cache=tmp_path / "cache", progress=False)
    assert snapshot(input_folder) == before
    for suffix, path in stale.items():  # each file was written elsewhere and renamed over the old one
        assert path.stat().st_ino != inodes[suffix] and path.read_bytes() != b"an older result"
    assert sorted(p.name for p in out.parent.iterdir()) == ["clip.mp4", "clip.png", "clip.wav"]  # no temp files


def fast_start_mp4(path: Path, seconds: float = 10., fps: int = 25) -> Path:
    """An H.264 MP4 with its index first ("fast start"), so that a cut copy still opens."""
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(round(seconds * fps)):
            image = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def truncated_mp4(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("truncated")
    data = fast_start_mp4(folder / "full.mp4").read_bytes()
    cut = folder / "cut.mp4"
    cut.write_bytes(data[:int(len(data) * 0.3)])
    return cut


def test_truncated_mp4_is_an_error_naming_both_durations(truncated_mp4, tmp_path, capsys):
    assert main([str(truncated_mp4), "-o", str(tmp_path / "out.mp4"), "--model", "tiny"]) == 2
    line = one_error_line(capsys.readouterr().err)
    decoded = probe_end = float(line.split("cover ")[1].split(" s")[0])
    assert str(truncated_mp4) in line and "header declares 10.00 s" in line and "--allow-truncated" in line
    assert 1. < decoded < 5. and probe_end == pytest.approx(check_input(truncated_mp4, tmp_path / "o.mp4",
                                                                        allow_truncated=True).end, abs=0.01)
    assert not (tmp_path / "out.mp4").exists()


def test_allow_truncated_uses_what_is_there(truncated_mp4, tmp_path, caplog):
    info = check_input(truncated_mp4, tmp_path / "out.mp4", allow_truncated=True)
    assert 1. < info.end < 5.
    assert "truncated video" in caplog.text and "--allow-truncated" in caplog.text


def test_complete_real_clips_are_not_called_truncated(real_videos, tmp_path):
    for video in real_videos.values():
        check_input(video, tmp_path / "out.mp4")


def exit_code(argv: list) -> int:
    """The CLI's exit code, whether ``main`` returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("argv, expected", [
    (["--model", "small"], "Could not load the MusicGen base model 'facebook/musicgen-small'"),
    (["--model", "exprts/mine"], "There is no local folder of that name."),  # a typo reads as a hub id
    (["--model", "{clip}"], "not an Expotion model"),
    (["--device", "cuda"], "no CUDA GPU is available"),
    (["--device", "gpu0"], "not a torch device"),
    (["--features", "face,voice"], "expected a comma-separated subset of face,motion"),
    (["--cfg-text", "high"], "invalid float value"),
    (["--no-video"], "pass either a VIDEO or --example"),
])
def test_user_mistakes_give_one_error_line(short_clip, tmp_path, capsys, monkeypatch, argv, expected):
    if argv == ["--device", "cuda"] and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    video = [] if argv == ["--no-video"] else [str(short_clip)]
    options = [a.replace("{clip}", str(short_clip)) for a in argv if a != "--no-video"]
    assert exit_code([*video, "-o", str(tmp_path / "out.mp4"), *options]) == 2
    assert expected in one_error_line(capsys.readouterr().err)


def test_model_checkpoint_file_is_accepted_like_its_folder(tmp_path, tiny_generator, short_clip, capsys):
    from audiocraft_expotion.models.loaders import export_model
    checkpoint = export_model(tmp_path / "model", tiny_generator.model.lm, "tiny")
    assert main([str(short_clip), "-o", str(tmp_path / "out.mp4"), "--model", str(checkpoint), "--quiet"]) == 0
    assert "untrained" in capsys.readouterr().out
    assert (tmp_path / "out.mp4").is_file()
