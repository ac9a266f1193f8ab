"""Inception-style score of a set of label distributions (Salimans et al., NeurIPS 2016).

    IS = exp( E_x[ KL(p(y|x) || p(y)) ] ),   p(y) = E_x[p(y|x)]

computed over the audio tagger's softmax outputs of the generated clips, as audio-generation
toolkits do with PANNs (e.g. AudioLDM's evaluation). The set is scored in one split (the usual
10 splits do not fit evaluation sets of a few dozen clips). Unitless, in [1, C]; higher is better
(confident per-clip labels that differ between clips).
"""
import torch

EPSILON = 1e-12


def inception_score(probs: torch.Tensor, epsilon: float = EPSILON) -> float:
    """IS of label distributions ``probs`` ``[N, C]`` (rows sum to one)."""
    if probs.ndim != 2 or probs.shape[0] < 1:
        raise ValueError(f"need label distributions [N >= 1, C], got shape {tuple(probs.shape)}")
    probs = probs.double()
    marginal = probs.mean(dim=0, keepdim=True)
    kl = (probs * ((probs + epsilon).log() - (marginal + epsilon).log())).sum(dim=1)
    return float(kl.mean().exp())
