"""Package structure: small modules import little, audiocraft is left as found, no import cycles,
imports point down the layers (nothing below generate/ imports it; the solver does not import the CLI)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audiocraft_expotion"
HEAVY = ("audiocraft", "transformers", "cv2", "torchvision")
SMALL_MODULES = ("audiocraft_expotion.media", "audiocraft_expotion.media.container", "audiocraft_expotion.media.video",
                 "audiocraft_expotion.media.audio", "audiocraft_expotion.media.wav", "audiocraft_expotion.media.mux",
                 "audiocraft_expotion.media.probe", "audiocraft_expotion.utils.atomic",
                 "audiocraft_expotion.data.feature_energy", "audiocraft_expotion.data.feature_io",
                 "audiocraft_expotion.names")
# The rooms of the package from the bottom up: a module imports its own room and the rooms of lower
# groups only (generate -> models -> features -> data -> modules -> media -> names/utils). The top
# group holds the applications (CLIs, solver, metrics, training entry points); "" is the package itself.
LAYERS = (("names", "utils"), ("media",), ("resources",), ("modules",), ("data",), ("features",), ("models",),
          ("generate", "eval", "solvers", "registry", "export", "train", ""))


def _loaded_after_import(modules, watch):
    code = (f"import importlib, json, sys\nfor m in {list(modules)!r}: importlib.import_module(m)\n"
            f"print(json.dumps(sorted({{w for w in {list(watch)!r} if w in sys.modules}})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_small_modules_load_no_heavy_package():
    assert _loaded_after_import(SMALL_MODULES, HEAVY) == []


def test_solver_does_not_import_the_generation_cli():
    assert _loaded_after_import(["audiocraft_expotion.solvers.expotion"], ["audiocraft_expotion.generate"]) == []


def test_audiocraft_functions_are_the_originals_after_get_pretrained():
    from audiocraft import solvers
    from audiocraft.models import builders, loaders
    from audiocraft.solvers import builders as solver_builders
    from audiocraft_expotion.models.expotion_gen import ExpotionGen
    watched = {"models.builders.get_lm_model": (builders, "get_lm_model"),
               "models.builders.get_conditioner_provider": (builders, "get_conditioner_provider"),
               "models.builders.get_compression_model": (builders, "get_compression_model"),
               "models.loaders.load_lm_model": (loaders, "load_lm_model"),
               "solvers.builders.get_solver": (solver_builders, "get_solver"),
               "solvers.get_solver": (solvers, "get_solver")}
    before = {name: getattr(module, attr) for name, (module, attr) in watched.items()}
    model = ExpotionGen.get_pretrained("tiny", device="cpu")
    assert model.lm is not None
    after = {name: getattr(module, attr) for name, (module, attr) in watched.items()}
    assert after == before
    assert all(fn.__module__.startswith("audiocraft.") for fn in after.values())


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set:
    """Modules of the package that ``path`` imports, at the top or inside functions (a lazy import
    that closes a cycle is still a cycle in the design)."""
    name = _module_name(path)
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("audiocraft_expotion"))
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("audiocraft_expotion"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
    return found


def test_no_import_cycles():
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    state: dict = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def _room(module: str) -> str:
    """``audiocraft_expotion.ROOM...``: the package's first-level folder or root module of ``module``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _package_imports():
    """``(importing module, imported module)`` for every import in the package, lazy ones included."""
    return [(_module_name(path), target) for path in sorted(PACKAGE.rglob("*.py")) for target in _imports(path)]


def test_imports_point_down_the_layers():
    """models/expotion_gen imported generate/video_input (inside generate_with_video), modules/conditions
    and data/extractor_record imported models/ (names, loaders): arrows pointing up."""
    rank = {room: level for level, rooms in enumerate(LAYERS) for room in rooms}
    imports = _package_imports()
    unknown = {_room(m) for pair in imports for m in pair} - set(rank)
    assert not unknown, f"rooms missing from LAYERS (place them): {sorted(unknown)}"
    upward = sorted(f"{module} -> {target}" for module, target in imports
                    if rank[_room(target)] > rank[_room(module)])
    assert upward == []


def test_only_the_generation_cli_imports_generate():
    """eval/baselines imported generate/music (now models/music); generate/ is the CLI, app and pipeline only."""
    assert sorted(f"{module} -> {target}" for module, target in _package_imports()
                  if _room(target) == "generate" and _room(module) != "generate") == []
