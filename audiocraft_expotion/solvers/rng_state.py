"""The random number generators of a training process as a checkpoint source, for exact resumption.

Besides the global torch / numpy / Python generators (the train loader's shuffling seed comes from
torch's), audiocraft's dropout modules (classifier-free-guidance and attribute dropout, and our
visual dropout: ``audiocraft.modules.conditioners.DropoutModule``) each own a ``torch.Generator``
seeded at construction. With all of them restored, a resumed run draws the same data order, the same
dropout and the same sampling as the run that was killed, so its losses are bit-identical. The state
is made of tensors and lists only, so ``torch.load(weights_only=True)`` (audiocraft's resume path on
torch >= 2.6) accepts it.
"""
import random
import typing as tp

import numpy as np
import torch
from torch import nn
from audiocraft.modules.conditioners import DropoutModule


class RandomState:
    """``state_dict`` / ``load_state_dict`` of the torch (CPU and CUDA), numpy and Python generators and
    of the generators of ``model``'s dropout modules (in module order)."""

    def __init__(self, model: nn.Module):
        self.dropouts = [m for m in model.modules() if isinstance(m, DropoutModule)]

    def state_dict(self) -> tp.Dict[str, tp.Any]:
        kind, keys, pos, has_gauss, cached = np.random.get_state()
        version, internal, gauss = random.getstate()
        return {"torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                          "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
                "python": {"version": version, "internal": list(internal), "gauss": gauss},
                "dropout": [m.rng.get_state() for m in self.dropouts]}

    def load_state_dict(self, state: tp.Dict[str, tp.Any]) -> None:
        torch.set_rng_state(state["torch"])
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
        n = state["numpy"]
        np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                             n["cached_gaussian"]))
        p = state["python"]
        random.setstate((p["version"], tuple(p["internal"]), p["gauss"]))
        if len(state["dropout"]) != len(self.dropouts):
            raise ValueError(f"checkpoint has {len(state['dropout'])} dropout generators, the model "
                             f"{len(self.dropouts)}.")
        for module, rng in zip(self.dropouts, state["dropout"]):
            module.rng.set_state(rng)
