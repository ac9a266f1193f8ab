"""config/ and grids/ ship inside the package through setup.py's package mapping: in a wheel (pip-installed
audiocraft has no config/) and in an editable install, with no ``__path__`` trick in the package."""
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_config_grids_and_subpackages(tmp_path):
    source = tmp_path / "src"  # a clean copy: a stale build/ folder of the checkout must not leak into the wheel
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                                "__pycache__", "outputs", "expotion_xps"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(source)], check=True, capture_output=True)
    wheel, = tmp_path.glob("audiocraft_expotion-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ["audiocraft_expotion/config/config.yaml", "audiocraft_expotion/config/teams/default.yaml",
                     "audiocraft_expotion/config/solver/expotion/paper.yaml",
                     "audiocraft_expotion/config/solver/expotion/debug.yaml",
                     "audiocraft_expotion/config/presets/tiny.yaml",
                     "audiocraft_expotion/grids/expotion_ablations.py", "audiocraft_expotion/registry.py",
                     "audiocraft_expotion/config/__init__.py", "audiocraft_expotion/media/video.py",
                     "audiocraft_expotion/features/__main__.py", "audiocraft_expotion/eval/__main__.py",
                     "audiocraft_expotion/generate/__main__.py", "audiocraft_expotion/train.py"]:
        assert expected in names, expected
    yamls = {p.relative_to(ROOT / "config").as_posix() for p in (ROOT / "config").rglob("*.yaml")}
    assert {n[len("audiocraft_expotion/config/"):] for n in names if n.endswith(".yaml")} == yamls


def test_config_and_grids_resolve_through_the_install(tmp_path):
    """Run outside the checkout (cwd elsewhere): the installed package finds config/ and grids/ by import."""
    code = ("import importlib.util, json, audiocraft_expotion as p; "
            "from audiocraft_expotion.resources import config_dir; "
            "grids = importlib.util.find_spec('audiocraft_expotion.grids').origin; "
            "print(json.dumps([p.__path__, grids, str(config_dir())]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    package_path, grids, config = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(package_path) == 1  # no extra search path appended to the package
    assert Path(grids).name == "__init__.py" and (Path(config) / "presets" / "tiny.yaml").is_file()
    if Path(package_path[0]) == ROOT / "audiocraft_expotion":  # editable install of this checkout
        assert Path(grids).parent == ROOT / "grids" and Path(config) == ROOT / "config"


def test_pip_check_clean_but_for_audiocrafts_obsolete_pins():
    """audiocraft 1.3.0 pins torch 2.1 / xformers < 0.0.23 (installed --no-deps); nothing else may conflict."""
    out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    problems = [line for line in out.stdout.splitlines() if line.strip() and not line.startswith("audiocraft 1.3.0 ")]
    assert problems == []


def test_one_opencv_distribution():
    from importlib import metadata
    names = {dist.metadata["Name"].lower() for dist in metadata.distributions()}
    assert sorted(n for n in names if n.startswith("opencv")) == ["opencv-contrib-python"]
