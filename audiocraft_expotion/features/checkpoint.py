"""Loading user-supplied weights into the encoders (no hub: weights come from a local file).

A checkpoint file is a ``torch.save``'d state dict, possibly inside a container entry (``state_dict``,
``model``, ``module``, ``model_state``) and under a prefix (the part of a larger model the encoder
is). Each encoder names the prefixes of its released checkpoints (e.g. ``vfeat_extractor.`` for the
Synchformer encoder inside the whole synchronisation model, ``encoder.`` for MARLIN); the prefix that
matches the most parameter names is stripped and entries outside it (a decoder, an audio branch) are
ignored. What remains must fit the model exactly (strict load).
"""
import hashlib
import typing as tp
from pathlib import Path

import torch
from torch import nn

State = tp.Dict[str, torch.Tensor]
_CONTAINER_KEYS = ("state_dict", "model", "module", "model_state")
_SHOWN = 5


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable or does not fit the model. Names the file."""


def read_state_dict(path: tp.Union[str, Path]) -> State:
    """The tensors of checkpoint ``path`` (unwrapped from its container entry, if any).

    Raises:
        CheckpointError: missing or unreadable file, or no state dict of tensors in it.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file does not exist.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle/zip errors of any kind: report the file
        raise CheckpointError(f"{path}: unreadable checkpoint ({type(exc).__name__}: {exc}).") from exc
    for key in _CONTAINER_KEYS:
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
    if not isinstance(checkpoint, dict) or not checkpoint or \
            not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors.")
    return checkpoint


def select_prefix(state: State, expected: tp.Iterable[str], prefixes: tp.Sequence[str]) -> State:
    """The entries of ``state`` under the prefix (``""`` or one of ``prefixes``) that matches most of
    ``expected``, with that prefix removed."""
    expected = set(expected)

    def under(prefix: str) -> State:
        return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    return max((under(p) for p in ("", *prefixes)), key=lambda part: len(expected & set(part)))


def _shapes(keys: tp.Sequence[str], state: tp.Mapping[str, torch.Tensor]) -> str:
    shown = ", ".join(f"{k} {list(state[k].shape)}" for k in keys[:_SHOWN])
    return shown + (f" ... ({len(keys)} in all)" if len(keys) > _SHOWN else "")


def check_fits(model: nn.Module, state: State, source: str) -> None:
    """Raise :class:`CheckpointError` naming ``source`` and the first missing, unexpected and
    mis-shaped keys (with their shapes) unless ``state`` fits ``model`` exactly."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [k for k in own if k in state and own[k].shape != state[k].shape]
    problems = []
    if missing:
        problems.append(f"missing keys (model shapes): {_shapes(missing, own)}")
    if unexpected:
        problems.append(f"unexpected keys: {_shapes(unexpected, state)}")
    if wrong:
        problems.append(f"shape mismatch (checkpoint): {_shapes(wrong, state)} vs model {_shapes(wrong, own)}")
    if problems:
        raise CheckpointError(f"{source}: does not fit {type(model).__name__} "
                              f"({sum(map(len, (missing, unexpected, wrong)))} problems); " + "; ".join(problems))


def load_weights(model: nn.Module, path: tp.Union[str, Path], prefixes: tp.Sequence[str] = ()) -> None:
    """Load checkpoint ``path`` into ``model`` strictly (module docstring).

    Raises:
        CheckpointError: naming the file and the first mismatching keys and shapes.
    """
    state = select_prefix(read_state_dict(path), model.state_dict(), prefixes)
    check_fits(model, state, str(path))
    model.load_state_dict(state, strict=True)


def state_checksum(model: nn.Module) -> str:
    """SHA-256 (16 hex digits) of a model's state dict: names, dtypes, shapes and values."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(f"{name}:{tensor.dtype}:{list(tensor.shape)}".encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def build_model(build: tp.Callable[[], nn.Module], weights: tp.Optional[tp.Union[str, Path]] = None,
                seed: int = 0, prefixes: tp.Sequence[str] = ()) -> nn.Module:
    """``build()`` with a seeded (reproducible) random init, then ``weights`` loaded if given; in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build()
    if weights is not None:
        load_weights(model, weights, prefixes)
    return model.eval().requires_grad_(False)
