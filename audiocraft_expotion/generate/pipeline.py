"""From a video and a prompt to a music video: features, generation, wav, MP4 and plot."""
import typing as tp
from dataclasses import dataclass
from pathlib import Path

from ..features import Extractor
from ..features.video_features import video_features
from ..media.mux import write_music_video
from ..media.probe import VideoInfo
from ..media.wav import write_wav
from ..models.music import generate_music
from ..resources import generate_audio_settings
from .input_checks import check_input, output_files
from .model_choice import Notice, load_generation_model
from .plot import plot_generation


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
        model: an exported Expotion folder (or its ``expotion_state_dict.bin``), a MusicGen name, the
            offline demo model ``demo`` or the random-weight preset ``tiny``.
        extractors: one feature extractor per modality the model uses (``face`` / ``motion``).
        device: torch device of the model (default: CUDA when available).
        cfg_text: classifier-free guidance on the text.
        cfg_visual: separate guidance on the visual condition (None: text guidance only).
        random_extractors: names of extractors running with random weights (reported in notices).
    Raises:
        ValueError: the model cannot be loaded or the device is not available (says why).
    """
    def __init__(self, model: str, extractors: tp.Mapping[str, Extractor], device: tp.Optional[str] = None,
                 cfg_text: float = 3., cfg_visual: tp.Optional[float] = None,
                 random_extractors: tp.Sequence[str] = ()):
        self.extractors = dict(extractors)
        self.model, model_notice = load_generation_model(model, self.extractors, device)
        self.notices: tp.List[Notice] = [model_notice] if model_notice else []
        if random_extractors:
            self.notices.append(Notice(
                f"NOTE: the {', '.join(random_extractors)} feature extractor(s) run with RANDOM weights: "
                "their features carry no information about the video (testing only).",
                f"RANDOM-WEIGHT {', '.join(random_extractors).upper()}"))
        self.cfg_text = cfg_text
        self.cfg_visual = cfg_visual
        self.audio_settings = generate_audio_settings()  # the wav normalisation, read once from the config

    @property
    def notice(self) -> str:
        """What the user must know about the model and extractors, one line each ('' when nothing)."""
        return "\n".join(n.message for n in self.notices)

    def plot_title(self, video_name: str, prompt: str, seed: int) -> str:
        """The title of a generation's plot: video, prompt, seed, and a tag per notice (untrained, random weights)."""
        return f"{video_name}: \"{prompt}\" (seed {seed})" + "".join(f" [{n.tag}]" for n in self.notices)

    def __call__(self, video: tp.Union[str, Path], prompt: str, output: tp.Union[str, Path], seed: int = 0,
                 cache: tp.Optional[tp.Union[str, Path]] = None, progress: bool = True,
                 allow_truncated: bool = False, cfg_text: tp.Optional[float] = None) -> MusicVideo:
        """Write ``output`` (``.mp4``) and, next to it, the ``.wav`` and ``.png`` for ``video``: the
        checks of :func:`check_input`, then :meth:`generate`.

        Raises:
            MediaError, ValueError: see :func:`check_input`.
        """
        return self.generate(check_input(video, output, allow_truncated), prompt, output, seed, cache, progress,
                             cfg_text)

    def generate(self, info: VideoInfo, prompt: str, output: tp.Union[str, Path], seed: int = 0,
                 cache: tp.Optional[tp.Union[str, Path]] = None, progress: bool = True,
                 cfg_text: tp.Optional[float] = None) -> MusicVideo:
        """Write ``output`` and its ``.wav`` and ``.png`` for the video ``info`` that :func:`check_input`
        returned for this ``output`` (the CLI checks before it loads the model, and checks once).

        ``cfg_text`` overrides the generator's text guidance for this video. Every file is written to a
        temporary file in its folder and renamed into place; the input video is never written.
        """
        mp4, wav_path, plot_path = output_files(output)
        features = video_features(info.path, self.extractors, cache, progress)
        cfg_text = self.cfg_text if cfg_text is None else cfg_text
        wav = generate_music(self.model, prompt, features, info.end, seed, cfg_text, self.cfg_visual,
                             progress).numpy()
        wav = write_wav(wav_path, wav, self.model.sample_rate, **self.audio_settings)
        copied = write_music_video(info.path, wav, self.model.sample_rate, mp4)
        plot_generation(features, wav, self.model.sample_rate, plot_path, self.plot_title(info.path.name, prompt, seed))
        return MusicVideo(video=mp4, wav=wav_path, plot=plot_path, duration=info.end, picture_copied=copied)
