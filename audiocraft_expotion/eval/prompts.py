"""Reading text prompts for the text-audio metric.

Formats: ``.json`` mapping stem -> prompt, or a text file of ``stem<TAB>prompt`` lines
(blank lines and lines starting with ``#`` are ignored).
"""
import json
import typing as tp
from pathlib import Path


def load_prompts(path: tp.Union[str, Path]) -> tp.Dict[str, str]:
    """Map stem -> prompt read from ``path``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        prompts = json.loads(text)
        if not isinstance(prompts, dict) or not all(isinstance(v, str) for v in prompts.values()):
            raise ValueError(f"{path}: expected a JSON object mapping stem -> prompt text")
        return prompts
    prompts = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        stem, sep, prompt = line.partition("\t")
        if not sep or not prompt.strip():
            raise ValueError(f"{path}:{number}: expected 'stem<TAB>prompt'")
        prompts[stem.strip()] = prompt.strip()
    return prompts
