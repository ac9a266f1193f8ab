"""ExpotionGen: MusicGen's API, plus music that follows face and motion features of a video."""
import typing as tp

import torch
from audiocraft.models.genmodel import BaseGenModel
from audiocraft.models.musicgen import MusicGen

from ..data.feature_io import FeatureFile
from ..modules.conditions import FeatureSequence, VisualCondition, window_visual, with_visual
from .lm import ExpotionLM
from .loaders import MUSICGEN_SHORT_NAMES, VisualSpec, is_expotion_checkpoint, load_checkpoint, load_fresh

FeatureLike = tp.Union[FeatureFile, FeatureSequence, tp.Tuple[torch.Tensor, float]]
VisualInput = tp.Optional[tp.Union[FeatureLike, tp.Sequence[FeatureLike]]]


def as_feature_sequence(x: FeatureLike) -> FeatureSequence:
    """One item's features as a :class:`FeatureSequence` (``[1, T, D]``)."""
    if isinstance(x, FeatureSequence):
        return x
    if isinstance(x, FeatureFile):
        return FeatureSequence.single(x.tensor(), x.fps)
    features, fps = x
    return FeatureSequence.single(torch.as_tensor(features, dtype=torch.float32), fps)


def _per_item(value: VisualInput, count: int, modality: str) -> tp.List[tp.Optional[FeatureSequence]]:
    if value is None:
        return [None] * count
    if isinstance(value, (FeatureFile, FeatureSequence)) or (isinstance(value, tuple) and len(value) == 2
                                                             and not isinstance(value[0], (tuple, FeatureFile))):
        return [as_feature_sequence(value)] * count
    items = list(value)
    if len(items) != count:
        raise ValueError(f"Got {len(items)} '{modality}' feature sequences for {count} descriptions.")
    return [as_feature_sequence(item) for item in items]


class ExpotionGen(MusicGen):
    """A MusicGen whose LM is an :class:`ExpotionLM`.

    Use :meth:`get_pretrained` and :meth:`set_generation_params` as with MusicGen, then
    :meth:`generate_with_video`.
    """
    lm: ExpotionLM

    def __init__(self, name: str, compression_model, lm: ExpotionLM, max_duration: tp.Optional[float] = None):
        # MusicGen.__init__ assumes a 30 s model (extend_stride=18); Expotion windows are the training clips.
        BaseGenModel.__init__(self, name, compression_model, lm, max_duration)
        self.set_generation_params(duration=self.max_duration)

    def set_generation_params(self, *args, extend_stride: tp.Optional[float] = None,
                              cfg_coef_visual: tp.Optional[float] = None, **kwargs) -> None:
        """As :meth:`MusicGen.set_generation_params`, plus:

        Args:
            extend_stride: seconds between window starts for long videos (default: half a window).
            cfg_coef_visual: guidance on the visual condition (see :meth:`ExpotionLM.generate`);
                None keeps audiocraft's text-only guidance.
        """
        stride = self.max_duration / 2 if extend_stride is None else extend_stride
        super().set_generation_params(*args, extend_stride=stride, **kwargs)
        self.generation_params["cfg_coef_visual"] = cfg_coef_visual

    @staticmethod
    def get_pretrained(name: str = "facebook/musicgen-small", device: tp.Optional[str] = None,
                       spec: VisualSpec = VisualSpec()) -> "ExpotionGen":
        """Load an Expotion model.

        Args:
            name: an exported Expotion folder (see ``python -m audiocraft_expotion.export``); or a
                MusicGen hub id / short name (``small``, ``medium``, ``large``) / local MusicGen folder,
                which gets a freshly initialised adaptor described by ``spec``; or the offline
                random-weight preset ``tiny`` (tests and demos; its music is noise).
            device: defaults to CUDA when available.
            spec: visual side of a fresh adaptor (ignored for exported folders, which store it).
        """
        if device is None:
            device = "cuda" if torch.cuda.device_count() else "cpu"
        if is_expotion_checkpoint(name):
            lm, compression, base = load_checkpoint(name, device)
        else:
            base = MUSICGEN_SHORT_NAMES.get(name, name)
            lm, compression = load_fresh(base, device, spec)
        if compression is None:
            raise ValueError(f"'{name}' has no audio codec (an LM-only preset); it cannot generate audio.")
        model = ExpotionGen(base, compression, lm)
        model.lm.eval()
        return model

    @property
    def is_untrained(self) -> bool:
        """True when every adaptor gate is 0: the output is then exactly the base MusicGen's."""
        return bool((self.lm.adaptor.gates == 0).all())

    def visual_attributes(self, descriptions: tp.Sequence[tp.Optional[str]], face: VisualInput = None,
                          motion: VisualInput = None):
        """ConditioningAttributes for ``descriptions`` with the visual condition of each item."""
        attributes, _ = self._prepare_tokens_and_attributes(descriptions, None)
        faces = _per_item(face, len(attributes), "face")
        motions = _per_item(motion, len(attributes), "motion")
        return [with_visual(attr, self.lm.visual_condition, VisualCondition(face=f, motion=m))
                for attr, f, m in zip(attributes, faces, motions)]

    def generate_with_video(self, descriptions: tp.Sequence[tp.Optional[str]], face: VisualInput = None,
                            motion: VisualInput = None, progress: bool = False,
                            return_tokens: bool = False) -> tp.Union[torch.Tensor, tp.Tuple[torch.Tensor, torch.Tensor]]:
        """Generate music for text descriptions and the face / motion features of a video.

        Args:
            descriptions: one text prompt per sample.
            face, motion: features ``[T, D]`` of each sample (or one for all), as a
                :class:`FeatureFile`, a :class:`FeatureSequence` or a ``(tensor, fps)`` pair; a
                modality the model does not use may be None.
            progress: print generation progress.
            return_tokens: also return the generated codes ``[B, K, T]``.
        Returns:
            Audio ``[B, C, T]`` at ``self.sample_rate`` (and the tokens if asked).
        """
        attributes = self.visual_attributes(descriptions, face, motion)
        tokens = self._generate_tokens(attributes, None, progress)
        audio = self.generate_audio(tokens)
        return (audio, tokens) if return_tokens else audio

    def window_frames(self, duration: float) -> tp.List[tp.Tuple[int, int]]:
        """LM frame ranges ``[start, end)`` of the generation windows for ``duration`` seconds.

        Windows last ``max_duration`` and start every ``extend_stride`` seconds; each continues the
        previous one from its overlap (audiocraft's extend-stride idea), the last one ends at ``duration``.
        """
        total = int(duration * self.frame_rate)
        window = int(self.max_duration * self.frame_rate)
        stride = int(self.extend_stride * self.frame_rate)
        spans, start = [], 0
        while True:
            end = min(start + window, total)
            spans.append((start, end))
            if end >= total:
                return spans
            start += stride

    def window_spans(self, duration: float) -> tp.List[tp.Tuple[float, float]]:
        """The generation windows of :meth:`window_frames`, in seconds."""
        return [(start / self.frame_rate, end / self.frame_rate) for start, end in self.window_frames(duration)]

    def _window_attributes(self, attributes, start: int, length: int):
        name = self.lm.visual_condition
        return [with_visual(attr, name, window_visual(attr.visual[name], self.frame_rate, start, length))
                for attr in attributes]

    def _generate_tokens(self, attributes, prompt_tokens: tp.Optional[torch.Tensor],
                         progress: bool = False) -> torch.Tensor:
        """Tokens ``[B, K, T]`` for ``self.duration`` seconds, in windows that each see their own video span."""
        windows = self.window_frames(self.duration)
        if len(windows) > 1 and prompt_tokens is not None:
            raise ValueError("Audio prompts are supported only when the duration fits in one window.")
        total = windows[-1][1]
        tokens: tp.Optional[torch.Tensor] = None
        for start, end in windows:
            prompt = prompt_tokens if tokens is None else tokens[:, :, start:]

            def callback(generated: int, to_generate: int, offset: int = start) -> None:
                if self._progress_callback is not None:
                    self._progress_callback(offset + generated, total)
                elif progress:
                    print(f"{offset + generated: 6d} / {total: 6d}", end="\r")
            with self.autocast:
                generated = self.lm.generate(prompt, self._window_attributes(attributes, start, end - start),
                                             callback=callback, max_gen_len=end - start, **self.generation_params)
            tokens = generated if tokens is None else torch.cat([tokens[:, :, :start], generated], dim=-1)
        return tokens
