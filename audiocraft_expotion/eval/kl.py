"""KL divergence between audio-tagger label distributions of paired generated / reference clips.

Follows ``audiocraft.metrics.kld.kl_divergence``: ``KL(p_ref || p_gen) = sum_c p_ref[c] *
(log p_ref[c] - log(p_gen[c] + eps))`` with ``eps = 1e-6``, computed per clip and averaged over
clips ("Avg. KL" of the paper's Table 1). Units: nats; lower is better.
"""
import torch

EPSILON = 1e-6


def kl_divergence(generated: torch.Tensor, reference: torch.Tensor, epsilon: float = EPSILON) -> torch.Tensor:
    """Per-clip ``KL(reference || generated)`` ``[B]`` of label distributions ``[B, C]``."""
    if generated.shape != reference.shape:
        raise ValueError(f"label distributions differ in shape: {tuple(generated.shape)} vs {tuple(reference.shape)}")
    return torch.nn.functional.kl_div((generated + epsilon).log(), reference, reduction="none").sum(-1)
