"""LanguageBind (Zhu et al., ICLR 2024) as a :class:`~.video_audio.VideoAudioModel`.

Needs the ``languagebind`` package (PKU-YuanGroup/LanguageBind) and its ``LanguageBind_Video_FT`` /
``LanguageBind_Audio_FT`` weights (hub ids, or a local ``cache_dir`` holding them); without them
the metric is reported unavailable. Video preprocessing follows LanguageBind's video transform
(8 uniformly sampled frames, scaled to [0, 1], CLIP mean/std normalisation, short side resized to
224, centre crop 224); audio goes through LanguageBind's own audio transform (it reads files, so
the waveform is written to a temporary 16 kHz wav).
"""
import tempfile
import typing as tp
from pathlib import Path

import soundfile as sf
import torch
from torch.nn import functional as F

from ..media.audio import resample
from .availability import MetricUnavailable

CLIP_TYPE = {"video": "LanguageBind_Video_FT", "audio": "LanguageBind_Audio_FT"}
NUM_FRAMES, SIZE, AUDIO_RATE = 8, 224, 16000
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def video_pixels(frames: torch.Tensor) -> torch.Tensor:
    """LanguageBind video input ``[1, 3, 8, 224, 224]`` from RGB frames ``uint8 [T, H, W, 3]``."""
    index = torch.linspace(0, frames.shape[0] - 1, NUM_FRAMES).round().long()
    x = frames[index].permute(0, 3, 1, 2).float() / 255.0  # [8, 3, H, W]
    x = (x - torch.tensor(CLIP_MEAN)[:, None, None]) / torch.tensor(CLIP_STD)[:, None, None]
    height, width = x.shape[-2:]
    scale = SIZE / min(height, width)
    x = F.interpolate(x, size=(max(SIZE, round(height * scale)), max(SIZE, round(width * scale))),
                      mode="bilinear", align_corners=False)
    top, left = (x.shape[-2] - SIZE) // 2, (x.shape[-1] - SIZE) // 2
    return x[..., top:top + SIZE, left:left + SIZE].permute(1, 0, 2, 3)[None]


class LanguageBindAdapter:
    """Video and audio towers of LanguageBind, embeddings ``[D]`` (unit norm)."""

    def __init__(self, model: tp.Any, audio_transform: tp.Callable, device: str = "cpu") -> None:
        self.model = model.to(device).eval()
        self.audio_transform = audio_transform
        self.device = device

    @classmethod
    def load(cls, cache_dir: tp.Optional[str] = None, device: str = "cpu") -> "LanguageBindAdapter":
        """Load LanguageBind's video and audio towers.

        Raises:
            MetricUnavailable: the ``languagebind`` package or its weights are missing.
        """
        try:
            import languagebind
        except ImportError as err:
            raise MetricUnavailable(f"the 'languagebind' package is not installed ({err})") from err
        try:
            model = languagebind.LanguageBind(clip_type=CLIP_TYPE, cache_dir=cache_dir)
        except (OSError, ValueError) as err:
            raise MetricUnavailable(f"cannot load LanguageBind weights {CLIP_TYPE} ({err})") from err
        audio_transform = languagebind.transform_dict["audio"](model.modality_config["audio"])
        return cls(model, audio_transform, device)

    def _embed(self, modality: str, inputs: tp.Dict[str, torch.Tensor]) -> torch.Tensor:
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.no_grad():
            return self.model({modality: inputs})[modality][0].cpu()

    def embed_video(self, frames: torch.Tensor, fps: float) -> torch.Tensor:
        return self._embed("video", {"pixel_values": video_pixels(frames)})

    def embed_audio(self, wav: torch.Tensor, sample_rate: int) -> torch.Tensor:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "audio.wav"
            sf.write(path, resample(wav, sample_rate, AUDIO_RATE).numpy(), AUDIO_RATE)
            return self._embed("audio", dict(self.audio_transform([str(path)])))
