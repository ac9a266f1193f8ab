"""CLAP text-audio similarity (Wu et al., ICASSP 2023) with HF ``transformers`` ``ClapModel``.

The score of a clip is the cosine similarity, in [-1, 1] (higher is better), between the projected
CLAP embeddings of its generated audio and of its text prompt. Audio is resampled to the feature
extractor's rate (48 kHz for ``laion/clap-htsat-unfused``); the extractor crops clips longer than
its window (10 s) at a random offset, as CLAP's own inference does.
"""
import typing as tp

import torch
from transformers import ClapModel, ClapProcessor

from ..media.audio import resample
from .availability import MetricUnavailable

DEFAULT_CLAP = "laion/clap-htsat-unfused"


def _unit(features: tp.Any) -> torch.Tensor:
    """Unit-norm projected embeddings ``[B, D]`` (transformers 5 returns them as ``pooler_output``, 4 as a tensor)."""
    features = features if isinstance(features, torch.Tensor) else features.pooler_output
    return torch.nn.functional.normalize(features, dim=-1).cpu()


class ClapScorer:
    """Cosine similarity between CLAP text and audio embeddings."""

    def __init__(self, model: ClapModel, processor: ClapProcessor, device: str = "cpu") -> None:
        self.model = model.to(device).eval()
        self.processor = processor
        self.device = device

    @classmethod
    def from_pretrained(cls, name_or_path: str, device: str = "cpu") -> "ClapScorer":
        """Load model and processor from a hub id or a local folder.

        Raises:
            MetricUnavailable: they cannot be loaded (e.g. offline without a local copy).
        """
        try:
            return cls(ClapModel.from_pretrained(name_or_path), ClapProcessor.from_pretrained(name_or_path), device)
        except (OSError, ValueError) as err:
            raise MetricUnavailable(f"cannot load CLAP model '{name_or_path}' ({str(err).splitlines()[0]})") from err

    @torch.no_grad()
    def embed_text(self, texts: tp.Sequence[str]) -> torch.Tensor:
        """Unit-norm text embeddings ``[B, D]``."""
        tokens = self.processor.tokenizer(list(texts), padding=True, return_tensors="pt").to(self.device)
        return _unit(self.model.get_text_features(**tokens))

    @torch.no_grad()
    def embed_audio(self, wav: torch.Tensor, sample_rate: int) -> torch.Tensor:
        """Unit-norm audio embedding ``[1, D]`` of a mono waveform ``[T]`` at ``sample_rate`` Hz."""
        extractor = self.processor.feature_extractor
        wav = resample(wav, sample_rate, extractor.sampling_rate)
        inputs = extractor(wav.numpy(), sampling_rate=extractor.sampling_rate, return_tensors="pt").to(self.device)
        return _unit(self.model.get_audio_features(**inputs))

    def similarity(self, wav: torch.Tensor, sample_rate: int, text: str) -> float:
        """Cosine similarity between the audio ``[T]`` and ``text``."""
        return float((self.embed_audio(wav, sample_rate) * self.embed_text([text])).sum())
