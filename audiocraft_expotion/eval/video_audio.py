"""Video-audio similarity through a pluggable joint embedding model (paper §4.4.1 uses LanguageBind).

Any object with ``embed_video(frames, fps)`` and ``embed_audio(wav, sample_rate)`` returning
embeddings ``[D]`` in a shared space is a :class:`VideoAudioModel`. :func:`load_video_audio_model`
builds one from a spec: ``"languagebind"`` (the paper's model, see :mod:`.languagebind_adapter`) or
``"package.module:factory"`` for your own (``factory(device=...)`` returns the model). The score
is the cosine similarity of the two embeddings, in [-1, 1] (higher is better).
"""
import importlib
import typing as tp

import torch

from .availability import MetricUnavailable

DEFAULT_VIDEO_AUDIO_MODEL = "languagebind"


@tp.runtime_checkable
class VideoAudioModel(tp.Protocol):
    """A joint video / audio embedding model."""

    def embed_video(self, frames: torch.Tensor, fps: float) -> torch.Tensor:
        """Embedding ``[D]`` of RGB frames ``uint8 [T, H, W, 3]`` sampled at ``fps`` frames per second."""

    def embed_audio(self, wav: torch.Tensor, sample_rate: int) -> torch.Tensor:
        """Embedding ``[D]`` of a mono waveform ``[T]`` at ``sample_rate`` Hz."""


def video_audio_similarity(model: VideoAudioModel, frames: torch.Tensor, fps: float,
                           wav: torch.Tensor, sample_rate: int) -> float:
    """Cosine similarity between the embeddings of a video and of an audio clip."""
    video = model.embed_video(frames, fps).flatten().float()
    audio = model.embed_audio(wav, sample_rate).flatten().float()
    return float(torch.nn.functional.cosine_similarity(video, audio, dim=0))


def load_video_audio_model(spec: str, device: str = "cpu") -> VideoAudioModel:
    """Build the model named by ``spec`` (``"languagebind"`` or ``"module:factory"``).

    Raises:
        MetricUnavailable: the model, its package or its weights cannot be loaded.
    """
    if spec == "languagebind":
        from .languagebind_adapter import LanguageBindAdapter
        return LanguageBindAdapter.load(device=device)
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise MetricUnavailable(f"video-audio model spec '{spec}' is neither 'languagebind' nor 'module:factory'")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise MetricUnavailable(f"cannot import video-audio model '{spec}' ({err})") from err
    model = factory(device=device)
    if not isinstance(model, VideoAudioModel):
        raise MetricUnavailable(f"'{spec}' returned {type(model).__name__}, which lacks embed_video/embed_audio")
    return model
