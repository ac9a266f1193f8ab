"""Reading a model state dict from a local file or an http(s) URL (torch hub cache)."""
import typing as tp
from pathlib import Path

import torch

from .availability import MetricUnavailable


def load_state_dict(source: tp.Union[str, Path], what: str) -> tp.Dict[str, torch.Tensor]:
    """Load the checkpoint ``source`` (path or URL) on CPU; ``what`` names the model in errors.

    Raises:
        MetricUnavailable: the file is missing or the URL cannot be fetched.
    """
    source = str(source)
    if source.startswith(("http://", "https://")):
        try:
            return torch.hub.load_state_dict_from_url(source, map_location="cpu", progress=False)
        except Exception as err:  # network errors come in many types
            raise MetricUnavailable(f"cannot download {what} weights from {source} ({err})") from err
    if not Path(source).is_file():
        raise MetricUnavailable(f"{what} weights file not found: {source}")
    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling errors come in many types
        raise MetricUnavailable(f"{source}: cannot read {what} weights ({err})") from err
