"""Fréchet Audio Distance (FAD) between generated and reference sets of VGGish embeddings.

Follows Kilgour et al. (Interspeech 2019) and google-research's ``frechet_audio_distance``: every
0.96 s VGGish example of every clip of a set is one sample; each set is summarised by the mean and
covariance of its samples and FAD is the Fréchet distance between the two Gaussians. Unitless
(squared VGGish embedding units); lower is better.
"""
import typing as tp

import torch

from .frechet import frechet_distance, gaussian_stats


def fad_from_embeddings(generated: tp.Sequence[torch.Tensor], reference: tp.Sequence[torch.Tensor]) -> float:
    """FAD between two sets given as lists of per-clip embeddings ``[N_i, D]``."""
    gen = torch.cat(list(generated)).double().numpy()
    ref = torch.cat(list(reference)).double().numpy()
    if min(len(gen), len(ref)) < 2:
        raise ValueError(f"FAD needs >= 2 embeddings per set, got {len(gen)} generated / {len(ref)} reference")
    return frechet_distance(*gaussian_stats(gen), *gaussian_stats(ref))

