"""Fixed-length windows of a resampled clip, encoded in batches (MARLIN clips, Synchformer segments)."""
import typing as tp

import numpy as np
import torch


def window_positions(num_frames: int, size: int, stride: int) -> np.ndarray:
    """``int [W, size]`` frame positions of windows starting every ``stride`` frames inside ``num_frames``.

    ``W = ceil(num_frames / stride)``; positions past the end repeat the last frame.
    """
    starts = np.arange(0, num_frames, stride)
    return np.minimum(starts[:, None] + np.arange(size)[None], num_frames - 1)


def encode_windows(encode: tp.Callable[[torch.Tensor], torch.Tensor], frames: np.ndarray, windows: np.ndarray,
                   batch_size: int, to_input: tp.Callable[[torch.Tensor], torch.Tensor],
                   device: tp.Union[str, torch.device] = "cpu") -> torch.Tensor:
    """Encode the clips of ``uint8 [N, S, S, 3]`` ``frames`` picked by ``int [W, F]`` ``windows``.

    ``to_input`` turns a ``uint8 [B, F, 3, S, S]`` batch (on ``device``) into the model input; ``encode``
    runs the model. Returns the outputs of all windows, concatenated along dim 0, float32 on the CPU.
    """
    outputs = []
    with torch.inference_mode():
        for first in range(0, len(windows), batch_size):
            clips = torch.from_numpy(frames[windows[first:first + batch_size]]).to(device).permute(0, 1, 4, 2, 3)
            outputs.append(encode(to_input(clips)).float().cpu())
    return torch.cat(outputs)
