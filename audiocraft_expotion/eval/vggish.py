"""VGGish (Hershey et al., ICASSP 2017) as an embedding network for FAD.

Layout and parameter names follow torchvggish (``harritaylor/torchvggish``), so its released
``vggish-10086976.pth`` loads unchanged: ``features`` (VGG conv stack, 4 max-pools) and
``embeddings`` (4096 -> 4096 -> 128). As in the FAD reference implementations, the embedding is
the 128-d output *before* the final ReLU and without the PCA/quantisation post-processor.
"""
import typing as tp
from pathlib import Path

import torch
from torch import nn

from .availability import MetricUnavailable
from .vggish_input import waveform_to_examples
from .weights import load_state_dict

VGGISH_RELEASE_URL = "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth"
EMBEDDING_DIM = 128


def _conv_stack() -> nn.Sequential:
    layers: tp.List[nn.Module] = []
    channels = 1
    for block in ((64,), (128,), (256, 256), (512, 512)):
        for out in block:
            layers += [nn.Conv2d(channels, out, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = out
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGGish(nn.Module):
    """VGGish: log-mel examples ``[N, 1, 96, 64]`` -> embeddings ``[N, 128]`` (pre-ReLU)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = _conv_stack()
        self.embeddings = nn.Sequential(
            nn.Linear(512 * 4 * 6, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, EMBEDDING_DIM), nn.ReLU(inplace=True))

    def forward(self, examples: torch.Tensor) -> torch.Tensor:
        x = self.features(examples)  # [N, 512, 6, 4]
        x = x.permute(0, 2, 3, 1).flatten(1)  # TF (NHWC) flattening order of the original weights
        return self.embeddings[:-1](x)

    @torch.no_grad()
    def embed(self, wav: torch.Tensor, sample_rate: int) -> torch.Tensor:
        """Embeddings ``[N, 128]`` of the 0.96 s examples of a mono waveform ``[T]`` at ``sample_rate`` Hz."""
        examples = waveform_to_examples(wav, sample_rate)
        device = next(self.parameters()).device
        return self(examples.to(device)).cpu()


def load_vggish(weights: tp.Optional[tp.Union[str, Path]], device: str = "cpu") -> VGGish:
    """VGGish in eval mode with ``weights`` (torchvggish state dict: local path or URL).

    Raises:
        MetricUnavailable: ``weights`` is None, missing or does not match the architecture.
    """
    if weights is None:
        raise MetricUnavailable(f"no VGGish weights given (pass --vggish-weights PATH, e.g. {VGGISH_RELEASE_URL})")
    model = VGGish()
    try:
        model.load_state_dict(load_state_dict(weights, "VGGish"))
    except RuntimeError as err:
        raise MetricUnavailable(f"{weights}: not a torchvggish VGGish state dict ({err})") from err
    return model.to(device).eval()
