"""Loading user-supplied weights into the encoders (no hub: weights come from a local file)."""
import typing as tp
from pathlib import Path

import torch
from torch import nn

_CONTAINER_KEYS = ("state_dict", "model", "module")
_PREFIXES = ("module.", "model.", "encoder.", "backbone.")


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable or does not fit the model. Names the file."""


def _state_dict(checkpoint: tp.Any, path: Path) -> tp.Dict[str, torch.Tensor]:
    for key in _CONTAINER_KEYS:
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
    if not isinstance(checkpoint, dict) or not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors.")
    return checkpoint


def _strip_prefix(state: tp.Dict[str, torch.Tensor], expected: tp.Set[str]) -> tp.Dict[str, torch.Tensor]:
    if expected <= set(state):
        return state
    for prefix in _PREFIXES:
        stripped = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if expected <= set(stripped):
            return stripped
    return state


def load_weights(model: nn.Module, path: tp.Union[str, Path]) -> None:
    """Load ``path`` (a ``torch.save``'d state dict, possibly under ``state_dict``/``model`` and a
    ``module.``/``model.``/``encoder.``/``backbone.`` prefix) into ``model``, strictly.

    Raises:
        CheckpointError: naming the file and the missing/unexpected/mis-shaped keys.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file does not exist.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle/zip errors of any kind: report the file
        raise CheckpointError(f"{path}: unreadable checkpoint ({type(exc).__name__}: {exc}).") from exc
    expected = set(model.state_dict())
    state = _strip_prefix(_state_dict(checkpoint, path), expected)
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise CheckpointError(f"{path}: does not fit {type(model).__name__}: missing keys {missing[:5]}"
                              f"{'...' if len(missing) > 5 else ''}, unexpected keys {unexpected[:5]}"
                              f"{'...' if len(unexpected) > 5 else ''}.")
    wrong = [k for k, v in model.state_dict().items() if v.shape != state[k].shape]
    if wrong:
        raise CheckpointError(f"{path}: shape mismatch for {wrong[:5]} (model "
                              f"{[tuple(model.state_dict()[k].shape) for k in wrong[:5]]}, checkpoint "
                              f"{[tuple(state[k].shape) for k in wrong[:5]]}).")
    model.load_state_dict(state)


def build_model(build: tp.Callable[[], nn.Module], weights: tp.Optional[tp.Union[str, Path]] = None,
                seed: int = 0) -> nn.Module:
    """``build()`` with a seeded (reproducible) random init, then ``weights`` loaded if given; in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build()
    if weights is not None:
        load_weights(model, weights)
    return model.eval().requires_grad_(False)
