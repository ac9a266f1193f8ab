"""The paper's flow embedding CNN (eq. 5): a ``[2, H, W]`` flow field -> a 256-d vector.

Four ``Conv2d(kernel_size=3, stride=2, padding=1) + ReLU`` layers (2 -> 32 -> 64 -> 128 -> 256 channels)
and a global adaptive average pooling.

It is **fixed**: built from a seeded random init and never trained, a random-projection embedding of
the flow. The paper does not say whether it is trained; fixing it lets the features be computed once,
before adaptor training (the trainable ``W_m`` projection sits on top). The seed and a checksum of its
weights (:func:`.checkpoint.state_checksum`) are stored with every feature file so features stay
reproducible and comparable.
"""
import torch
from torch import nn

from .checkpoint import build_model

CHANNELS = (2, 32, 64, 128, 256)


class FlowEmbeddingCNN(nn.Module):
    """``[B, 2, H, W]`` flow -> ``[B, 256]`` embedding."""
    def __init__(self):
        super().__init__()
        layers = []
        for dim_in, dim_out in zip(CHANNELS[:-1], CHANNELS[1:]):
            layers += [nn.Conv2d(dim_in, dim_out, kernel_size=3, stride=2, padding=1), nn.ReLU()]
        self.layers = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, flow: torch.Tensor) -> torch.Tensor:
        return self.layers(flow)


def fixed_flow_cnn(seed: int = 0) -> FlowEmbeddingCNN:
    """The frozen, seeded flow embedding CNN."""
    return build_model(FlowEmbeddingCNN, seed=seed)
