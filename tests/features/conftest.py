"""Fixtures of the feature tests: a synthetic moving-square video."""
import os
import typing as tp
from pathlib import Path

import numpy as np
import pytest

from .synthetic import square_frame, square_positions, write_video


@pytest.fixture
def moving_square(tmp_path: Path) -> tp.Tuple[Path, np.ndarray, float]:
    """3 s at 25 fps: square still for 1 s, moving during 1-2 s, still again; (path, x per frame, fps)."""
    fps = 25.
    positions = square_positions(75, 25, 50)
    path = write_video(tmp_path / "square.mp4", [square_frame(int(x)) for x in positions],
                       np.arange(75) / fps)
    return path, positions, fps


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The conformance fixtures: $EXPOTION_FIXTURES, else ../shared/fixtures beside the repo (skips if absent)."""
    folder = Path(os.environ.get("EXPOTION_FIXTURES", Path(__file__).resolve().parents[3] / "shared" / "fixtures"))
    if not (folder / "README.md").is_file():
        pytest.skip(f"conformance fixtures not found in {folder} (set EXPOTION_FIXTURES)")
    return folder
