"""Random, reproducible assignment of clips to audiocraft's data splits.

Either explicit fractions (``"train=0.9,valid=0.1"``, disjoint splits) or ``"auto"``, for the
small folders of one's own recordings (:func:`auto_splits`).
"""
import math
import random
import typing as tp

SPLITS: tp.Tuple[str, ...] = ("train", "valid", "evaluate", "generate")
AUTO = "auto"
AUTO_HOLD_OUT_ONE = 10  # below this many clips, "auto" holds out a single clip


def parse_splits(spec: str) -> tp.Dict[str, float]:
    """``"train=0.9,valid=0.1"`` -> ``{"train": 0.9, "valid": 0.1}``; fractions are positive and sum to 1."""
    fractions: tp.Dict[str, float] = {}
    for item in spec.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        try:
            fraction = float(value)
        except ValueError:
            fraction = math.nan
        if not sep or name not in SPLITS or name in fractions or not fraction > 0:
            raise ValueError(f"Bad split {item!r} in {spec!r}: expected NAME=FRACTION with NAME one of {SPLITS} "
                             f"(each once) and FRACTION > 0.")
        fractions[name] = fraction
    if abs(sum(fractions.values()) - 1) > 1e-6:
        raise ValueError(f"Split fractions in {spec!r} sum to {sum(fractions.values())}, expected 1.")
    return fractions


def split_counts(num_items: int, fractions: tp.Dict[str, float]) -> tp.Dict[str, int]:
    """Number of items per split: proportional (largest remainders), at least one per split."""
    if num_items < len(fractions):
        raise ValueError(f"{num_items} clips cannot fill the {len(fractions)} splits {list(fractions)}.")
    exact = {name: fraction * num_items for name, fraction in fractions.items()}
    counts = {name: max(1, math.floor(value)) for name, value in exact.items()}
    by_remainder = sorted(fractions, key=lambda name: exact[name] - counts[name], reverse=True)
    while sum(counts.values()) < num_items:
        counts[by_remainder.pop(0)] += 1
    while sum(counts.values()) > num_items:  # only when rounding small splits up to 1
        largest = max(counts, key=lambda name: counts[name])
        counts[largest] -= 1
    return counts


def assign_splits(names: tp.Sequence[str], fractions: tp.Dict[str, float], seed: int = 0) -> tp.Dict[str, tp.List[str]]:
    """Shuffle ``names`` with ``seed`` and cut them into splits of :func:`split_counts` sizes (each sorted)."""
    order = sorted(names)
    random.Random(seed).shuffle(order)
    out, start = {}, 0
    for name, count in split_counts(len(order), fractions).items():
        out[name] = sorted(order[start:start + count])
        start += count
    return out


def auto_splits(names: tp.Sequence[str], seed: int = 0) -> tp.Dict[str, tp.List[str]]:
    """All four splits for a folder of any size: ``train`` is disjoint from the others, and
    ``valid`` / ``evaluate`` / ``generate`` share the held-out clips (as audiocraft's own dataset
    configs often do).

    - 1 clip: every split is that clip (nothing is held out: valid measures the training fit);
    - fewer than :data:`AUTO_HOLD_OUT_ONE` clips: one clip (chosen with ``seed``) is held out;
    - more: 10 % of the clips (at least one) are held out.
    """
    order = sorted(names)
    if not order:
        raise ValueError("No clips to split.")
    if len(order) == 1:
        return {split: list(order) for split in SPLITS}
    random.Random(seed).shuffle(order)
    held = 1 if len(order) < AUTO_HOLD_OUT_ONE else max(1, round(0.1 * len(order)))
    return {"train": sorted(order[held:]), **{split: sorted(order[:held]) for split in SPLITS[1:]}}


def make_splits(names: tp.Sequence[str], spec: str = AUTO, seed: int = 0) -> tp.Dict[str, tp.List[str]]:
    """Clip names by split: :func:`auto_splits` for ``spec="auto"``, else :func:`assign_splits` of the
    fractions in ``spec``."""
    return auto_splits(names, seed) if spec == AUTO else assign_splits(names, parse_splits(spec), seed)
