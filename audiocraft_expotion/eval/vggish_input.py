"""VGGish input features: log-mel examples, following the recipe of the published VGGish
(``vggish_input.waveform_to_examples`` / ``mel_features`` in tensorflow/models, also used by torchvggish).

Recipe: mono audio resampled to 16 kHz; 25 ms periodic-Hann frames (400 samples) every 10 ms
(160 samples), magnitude spectrum of a 512-point FFT; 64 mel bands 125-7500 Hz on the HTK mel scale
(triangles in the mel domain, DC bin zeroed, no area normalisation); ``log(mel + 0.01)``;
non-overlapping examples of 0.96 s (96 frames). Audio shorter than one example gives zero examples.
"""
import torch

from ..media.audio import resample

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 400  # 25 ms
HOP_SAMPLES = 160  # 10 ms
FFT_SIZE = 512
NUM_BANDS = 64
LOWER_HZ, UPPER_HZ = 125.0, 7500.0
LOG_OFFSET = 0.01
EXAMPLE_FRAMES = 96  # 0.96 s


def hertz_to_mel(hertz: torch.Tensor) -> torch.Tensor:
    """HTK mel scale: ``1127 ln(1 + f / 700)``; ``hertz`` in Hz, any shape."""
    return 1127.0 * torch.log1p(hertz / 700.0)


def mel_matrix(num_bins: int = FFT_SIZE // 2 + 1, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Mel weights ``[num_bins, NUM_BANDS]`` mapping a magnitude spectrum to VGGish mel bands."""
    bins_mel = hertz_to_mel(torch.linspace(0.0, sample_rate / 2, num_bins, dtype=torch.float64))
    edges = torch.linspace(float(hertz_to_mel(torch.tensor(LOWER_HZ))), float(hertz_to_mel(torch.tensor(UPPER_HZ))),
                           NUM_BANDS + 2, dtype=torch.float64)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel[:, None] - lower) / (center - lower)
    falling = (upper - bins_mel[:, None]) / (upper - center)
    weights = torch.clamp(torch.minimum(rising, falling), min=0.0)
    weights[0] = 0.0
    return weights.float()


def log_mel(wav: torch.Tensor) -> torch.Tensor:
    """Log-mel spectrogram ``[F, 64]`` of a 16 kHz waveform ``[T]`` (F = 1 + (T - 400) // 160)."""
    if wav.shape[-1] < WINDOW_SAMPLES:
        return wav.new_zeros(0, NUM_BANDS)
    frames = wav.unfold(-1, WINDOW_SAMPLES, HOP_SAMPLES) * torch.hann_window(WINDOW_SAMPLES, periodic=True)
    magnitude = torch.fft.rfft(frames, n=FFT_SIZE).abs()
    return torch.log(magnitude @ mel_matrix() + LOG_OFFSET)


def waveform_to_examples(wav: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """VGGish examples ``[N, 1, 96, 64]`` of a mono waveform ``[T]`` at ``sample_rate`` Hz."""
    mel = log_mel(resample(wav, sample_rate, SAMPLE_RATE))
    num_examples = mel.shape[0] // EXAMPLE_FRAMES
    return mel[:num_examples * EXAMPLE_FRAMES].reshape(num_examples, 1, EXAMPLE_FRAMES, NUM_BANDS)
