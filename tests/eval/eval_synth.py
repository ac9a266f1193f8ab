"""Synthetic test signals: click tracks at a known tempo."""
import numpy as np
import torch

SAMPLE_RATE = 22050


def make_click_track(bpm: float, duration: float = 10.0, offset: float = 0.1,
                     sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Mono click track ``[T]``: a 20 ms decaying 1 kHz burst every 60 / bpm seconds from ``offset``."""
    wav = np.zeros(int(duration * sample_rate), np.float32)
    n = int(0.02 * sample_rate)
    burst = np.sin(2 * np.pi * 1000 * np.arange(n) / sample_rate) * np.exp(-np.arange(n) / (0.004 * sample_rate))
    for t in np.arange(offset, duration - 0.05, 60.0 / bpm):
        i = int(t * sample_rate)
        wav[i:i + n] += burst[:len(wav) - i]
    return torch.from_numpy(wav)
