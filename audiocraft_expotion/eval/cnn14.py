"""PANNs CNN14 audio tagger (Kong et al., TASLP 2020), used for the KL and IS metrics.

Architecture and parameter names follow the PANNs ``Cnn14`` (32 kHz, 64 log-mel bands 50-14000 Hz,
1024-point STFT, hop 320; six conv blocks 64..2048 channels; global max+mean pooling; 527
AudioSet classes; ``conv_block1``-``5`` pool 2x2, ``conv_block6`` does not pool), so the released
``Cnn14_mAP=0.431.pth`` loads strictly. Its front-end tensors (torchlibrosa's ``spectrogram_extractor.*``
DFT conv kernels and ``logmel_extractor.melW``) are what :meth:`Cnn14.log_mel` computes with
``torch.stft`` / ``librosa.filters.mel``: on load they are checked against it, not loaded, so a
checkpoint with another front-end (e.g. PANNs' 16 kHz CNN14) is refused instead of scored wrongly.
Parity with the reference class ``panns_inference.models.Cnn14`` is tested in
``tests/eval/test_reference_parity.py``.

Label distribution: as audiocraft's KL metric does with PaSST (``audiocraft.metrics.kld``), the
distribution over the 527 labels is the *softmax* of the logits (the tagger is trained with
per-class sigmoids, whose outputs do not sum to one and so are not a distribution).
"""
import typing as tp
from pathlib import Path

import librosa
import torch
from torch import nn
from torch.nn import functional as F

from ..media.audio import resample
from .availability import MetricUnavailable
from .weights import load_state_dict

SAMPLE_RATE = 32000
FFT_SIZE, HOP, NUM_BANDS, FMIN, FMAX = 1024, 320, 64, 50.0, 14000.0
NUM_CLASSES = 527
POOL_SIZES = (2, 2, 2, 2, 2, 1)  # per conv block; PANNs' conv_block6 does not pool (pool_size=(1, 1))
CNN14_RELEASE_URL = "https://zenodo.org/record/3987831/files/Cnn14_mAP%3D0.431.pth"
_FRONTEND_PREFIXES = ("spectrogram_extractor.", "logmel_extractor.")
FRONTEND_ATOL = 1e-4  # float32 round-off of the DFT kernels, computed in float64 here and in torchlibrosa


class ConvBlock(nn.Module):
    """Two 3x3 conv + BN + ReLU, then ``pool`` x ``pool`` average pooling:
    ``[B, C_in, T, F] -> [B, C_out, T/pool, F/pool]``."""

    def __init__(self, in_channels: int, out_channels: int, pool: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, self.pool)


class Cnn14(nn.Module):
    """CNN14: 32 kHz waveforms ``[B, T]`` -> logits ``[B, 527]`` (pre-sigmoid)."""

    def __init__(self) -> None:
        super().__init__()
        mel = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=FFT_SIZE, n_mels=NUM_BANDS, fmin=FMIN, fmax=FMAX)
        self.register_buffer("mel_basis", torch.from_numpy(mel).float(), persistent=False)  # [64, 513]
        self.register_buffer("window", torch.hann_window(FFT_SIZE), persistent=False)
        self.bn0 = nn.BatchNorm2d(NUM_BANDS)
        channels = (1, 64, 128, 256, 512, 1024, 2048)
        for i, pool in enumerate(POOL_SIZES):
            self.add_module(f"conv_block{i + 1}", ConvBlock(channels[i], channels[i + 1], pool))
        self.fc1 = nn.Linear(2048, 2048)
        self.fc_audioset = nn.Linear(2048, NUM_CLASSES)

    def log_mel(self, wav: torch.Tensor) -> torch.Tensor:
        """Log-mel power spectrogram in dB ``[B, 1, frames, 64]`` of ``wav`` ``[B, T]`` (32 kHz)."""
        spec = torch.stft(wav, FFT_SIZE, HOP, window=self.window, center=True, pad_mode="reflect",
                          return_complex=True).abs() ** 2  # [B, 513, frames]
        mel = torch.matmul(self.mel_basis, spec).clamp(min=1e-10)
        return (10 * torch.log10(mel)).transpose(1, 2).unsqueeze(1)

    def panns_frontend_state(self) -> tp.Dict[str, torch.Tensor]:
        """The PANNs (torchlibrosa) front-end tensors equivalent to :meth:`log_mel`, by state-dict key:
        windowed DFT kernels ``[513, 1, 1024]`` (real, imaginary) and mel weights ``[513, 64]``."""
        window = torch.hann_window(FFT_SIZE, dtype=torch.float64)
        dft = torch.fft.rfft(torch.eye(FFT_SIZE, dtype=torch.float64)) * window[:, None]  # [n, k]: w[n] e^{-2πi nk/N}
        return {"spectrogram_extractor.stft.conv_real.weight": dft.real.T[:, None].float(),
                "spectrogram_extractor.stft.conv_imag.weight": dft.imag.T[:, None].float(),
                "logmel_extractor.melW": self.mel_basis.T.cpu()}

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        x = self.log_mel(wav)
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)  # batch-norm over mel bands
        for i in range(len(POOL_SIZES)):
            x = getattr(self, f"conv_block{i + 1}")(x)
        x = x.mean(dim=3)  # [B, 2048, frames']
        x = x.max(dim=2).values + x.mean(dim=2)
        return self.fc_audioset(F.relu(self.fc1(x)))

    @torch.no_grad()
    def label_distribution(self, wav: torch.Tensor, sample_rate: int) -> torch.Tensor:
        """Softmax distribution ``[527]`` over AudioSet labels of a mono waveform ``[T]`` at ``sample_rate`` Hz."""
        device = next(self.parameters()).device
        wav = resample(wav, sample_rate, SAMPLE_RATE).to(device)
        return torch.softmax(self(wav[None]), dim=-1)[0].cpu()


def load_cnn14(weights: tp.Optional[tp.Union[str, Path]], device: str = "cpu") -> Cnn14:
    """CNN14 in eval mode from a PANNs checkpoint (``{"model": state_dict}`` or a bare state dict; path or URL).

    Raises:
        MetricUnavailable: ``weights`` is None, missing, does not match the architecture, or holds a
            front-end other than this module's (32 kHz, 1024-point STFT, 64 mel bands 50-14000 Hz).
    """
    if weights is None:
        raise MetricUnavailable(f"no audio-tagger weights given (pass --tagger-weights PATH to PANNs "
                                f"Cnn14_mAP=0.431.pth, {CNN14_RELEASE_URL})")
    checkpoint = load_state_dict(weights, "PANNs CNN14")
    state = dict(checkpoint.get("model", checkpoint))
    model = Cnn14()
    frontend = model.panns_frontend_state()
    for key in [k for k in state if k.startswith(_FRONTEND_PREFIXES)]:
        value = state.pop(key)
        if key not in frontend or value.shape != frontend[key].shape or \
                not torch.allclose(value.float(), frontend[key], atol=FRONTEND_ATOL):
            raise MetricUnavailable(f"{weights}: front-end tensor {key} is not the {SAMPLE_RATE} Hz, {FFT_SIZE}-point, "
                                    f"{NUM_BANDS}-band ({FMIN:g}-{FMAX:g} Hz) log-mel of Cnn14_mAP=0.431")
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise MetricUnavailable(f"{weights}: not a PANNs CNN14 checkpoint ({err})") from err
    return model.to(device).eval()
