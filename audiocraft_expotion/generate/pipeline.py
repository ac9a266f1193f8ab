"""From a video and a prompt to a music video: features, generation, wav, MP4 and plot."""
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from ..features import Extractor
from .music import generate_music, load_model, untrained_notice
from .mux import write_music_video
from .plot import plot_generation
from .probe import probe_video
from .visual_features import visual_features
from .wav_io import write_wav


@dataclass
class MusicVideo:
    """What one generation wrote.

    Attributes:
        video: the MP4 (original picture, generated music).
        wav: the music, next to the MP4.
        plot: the PNG of feature curves and music, next to the MP4.
        duration: seconds of music (the video's duration).
        picture_copied: True if the picture packets were copied, False if re-encoded.
    """
    video: Path
    wav: Path
    plot: Path
    duration: float
    picture_copied: bool


class ExpotionGenerator:
    """The extractors and the model, loaded once, to turn any number of videos into music videos.

    Args:
        model: an exported Expotion folder, a MusicGen name, or the random-weight preset ``tiny``.
        extractors: one feature extractor per modality the model uses (``face`` / ``motion``).
        device: torch device of the model (default: CUDA when available).
        cfg_text: classifier-free guidance on the text.
        cfg_visual: separate guidance on the visual condition (None: text guidance only).
    """
    def __init__(self, model: str, extractors: tp.Mapping[str, Extractor], device: tp.Optional[str] = None,
                 cfg_text: float = 3., cfg_visual: tp.Optional[float] = None):
        self.extractors = dict(extractors)
        self.model = load_model(model, self.extractors, device)
        self.notice = untrained_notice(self.model, model)
        self.cfg_text = cfg_text
        self.cfg_visual = cfg_visual

    def __call__(self, video: tp.Union[str, Path], prompt: str, output: tp.Union[str, Path], seed: int = 0,
                 cache: tp.Optional[tp.Union[str, Path]] = None, progress: bool = True) -> MusicVideo:
        """Write ``output`` (``.mp4``) and, next to it, the ``.wav`` and ``.png`` for ``video``.

        Raises:
            VideoError: ``video`` cannot be read (names the file).
        """
        output = Path(output)
        if output.suffix.lower() != ".mp4":
            raise ValueError(f"{output}: the output must be an .mp4 file.")
        info = probe_video(video)
        features = visual_features(info.path, self.extractors, cache, progress)
        wav = generate_music(self.model, prompt, features, info.end, seed, self.cfg_text, self.cfg_visual,
                             progress).numpy()
        write_wav(output.with_suffix(".wav"), wav, self.model.sample_rate)
        copied = write_music_video(info.path, wav, self.model.sample_rate, output)
        title = f"{info.path.name}: \"{prompt}\" (seed {seed})" + (" [UNTRAINED MODEL]" if self.notice else "")
        plot_generation(features, wav, self.model.sample_rate, output.with_suffix(".png"), title)
        return MusicVideo(video=output, wav=output.with_suffix(".wav"), plot=output.with_suffix(".png"),
                          duration=info.end, picture_copied=copied)
