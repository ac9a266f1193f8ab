"""Loading an Expotion model for given extractors and generating music for a whole video (used by the
generate CLI / app and by the eval baselines)."""
import math
import typing as tp

import torch
from tqdm import tqdm

from ..data.feature_io import FeatureFile
from ..features import Extractor
from ..modules.temporal import seconds_to_frames
from .expotion_gen import ExpotionGen
from .loaders import VisualSpec

# Fresh weights (presets, new adaptors) are drawn from this seed, so every run gets the same model.
FRESH_WEIGHTS_SEED = 0


def load_model(name: str, extractors: tp.Mapping[str, Extractor], device: tp.Optional[str] = None) -> ExpotionGen:
    """``ExpotionGen.get_pretrained(name)``; a fresh adaptor gets the modalities and widths of ``extractors``."""
    spec = VisualSpec(modalities=tuple(extractors), **{f"{m}_dim": ex.dim for m, ex in extractors.items()})
    with torch.random.fork_rng():
        torch.manual_seed(FRESH_WEIGHTS_SEED)
        return ExpotionGen.get_pretrained(name, device=device, spec=spec)


def generate_music(model: ExpotionGen, prompt: str, features: tp.Mapping[str, FeatureFile], duration: float,
                   seed: int = 0, cfg_text: float = 3., cfg_visual: tp.Optional[float] = None,
                   progress: bool = True) -> torch.Tensor:
    """Music for ``duration`` seconds of a video, as the model made it: normalising is the writer's
    (:func:`~audiocraft_expotion.media.wav.write_wav` with the config's ``generate.audio``).

    Tokens are generated up to the first frame boundary at or after ``duration`` (the model windows
    long durations itself) and the audio is cut to ``round(duration * sample_rate)`` samples.
    The same ``seed`` gives the same music; the global RNG state is left untouched.

    Returns:
        ``float32 [C, S]`` audio at ``model.sample_rate``, sample 0 at clip time 0.
    """
    num_tokens = math.ceil(duration * model.frame_rate - 1e-6)
    model.set_generation_params(duration=num_tokens / model.frame_rate, cfg_coef=cfg_text,
                                cfg_coef_visual=cfg_visual)
    with tqdm(desc="music", unit="step", disable=not progress) as bar:
        def advance(generated: int, total: int) -> None:  # decoding steps: frames plus codebook delays
            bar.total = total
            bar.update(generated - bar.n)
        model.set_custom_progress_callback(advance)
        try:
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                wav = model.generate_with_video([prompt], face=features.get("face"), motion=features.get("motion"))
        finally:
            model.set_custom_progress_callback(None)
    return wav[0, :, :seconds_to_frames(duration, model.sample_rate)].float().cpu()
