"""Shared test setup: offline hub, CPU attention backend, the real test videos (and a cut copy), the `slow` marker."""
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("USER", os.environ.get("USER") or "expotion")

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
VIDEO_NAMES = ("owl_clip3.mp4", "rabbit_clip2.mp4", "monkey_clip18.mp4")


def real_videos_dir() -> Path:
    """Folder of the real test clips: $EXPOTION_TEST_VIDEOS, else ../shared/data/videos beside the repo."""
    return Path(os.environ.get("EXPOTION_TEST_VIDEOS", REPO_ROOT.parent / "shared" / "data" / "videos"))


@pytest.fixture(scope="session")
def real_videos() -> dict:
    """Map of clip name -> path of the three real clips (skips where the folder is absent)."""
    folder = real_videos_dir()
    paths = {name: folder / name for name in VIDEO_NAMES}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        pytest.skip(f"real test videos not found: {missing} (set EXPOTION_TEST_VIDEOS)")
    return paths


@pytest.fixture(scope="session")
def truncated_real_clip(real_videos, tmp_path_factory) -> Path:
    """monkey_clip18.mp4 (10 s) cut short but still openable: its packets copied into a "fast start" MP4
    (index first, no re-encoding), then its last 60 % of bytes cut off; about 4 s of frames remain."""
    import av
    folder = tmp_path_factory.mktemp("truncated")
    whole = folder / "whole.mp4"
    with av.open(str(real_videos["monkey_clip18.mp4"])) as source, \
            av.open(str(whole), "w", options={"movflags": "faststart"}) as target:
        streams = {s.index: target.add_stream_from_template(s) for s in source.streams if s.type in ("video", "audio")}
        for packet in source.demux():
            if packet.dts is not None and packet.stream.index in streams:
                packet.stream = streams[packet.stream.index]
                target.mux(packet)
    cut = folder / "monkey_cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[:int(len(data) * 0.4)])
    return cut


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: heavier tests, run with `pytest -m slow` (not in the default suite)")
