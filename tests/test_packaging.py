"""A non-editable install ships config/ and grids/ inside the package (pip-installed audiocraft has no config/)."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_config_grids_and_subpackages(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel, = tmp_path.glob("audiocraft_expotion-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ["audiocraft_expotion/config/config.yaml", "audiocraft_expotion/config/teams/default.yaml",
                     "audiocraft_expotion/config/solver/expotion/paper.yaml",
                     "audiocraft_expotion/config/solver/expotion/debug.yaml",
                     "audiocraft_expotion/config/presets/tiny.yaml",
                     "audiocraft_expotion/grids/expotion_ablations.py", "audiocraft_expotion/registry.py",
                     "audiocraft_expotion/features/__main__.py", "audiocraft_expotion/eval/__main__.py",
                     "audiocraft_expotion/generate/__main__.py", "audiocraft_expotion/train.py"]:
        assert expected in names, expected
    yamls = {p.relative_to(ROOT / "config").as_posix() for p in (ROOT / "config").rglob("*.yaml")}
    assert {n[len("audiocraft_expotion/config/"):] for n in names if n.endswith(".yaml")} == yamls
