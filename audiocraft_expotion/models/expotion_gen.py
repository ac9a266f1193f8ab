"""ExpotionGen: MusicGen's API, plus music that follows face and motion features of a video.

Every MusicGen entry point works (``generate``, ``generate_unconditional``, ``generate_continuation``):
without a video the visual condition is null, the adaptor adds nothing and the output is exactly the
frozen MusicGen's. :meth:`ExpotionGen.generate_with_video` (and ``generate_continuation(..., face=,
motion=)``) add the video. Long videos are generated in overlapping windows (audiocraft's extend-stride
scheme), each window seeing its own span of the video; tokens are decoded in chunks so memory stays flat.
"""
import typing as tp

import torch
from audiocraft.data.audio_utils import convert_audio
from audiocraft.models.genmodel import BaseGenModel
from audiocraft.models.musicgen import MusicGen
from audiocraft.modules.conditioners import ConditioningAttributes

from ..data.extractor_record import read_extractor_record
from ..data.feature_io import FeatureFile
from ..features.extractor_choice import choose_extractors
from ..features.video_features import VideoLike, video_features
from ..modules.conditions import FeatureSequence, VisualCondition, window_visual, with_visual
from ..modules.temporal import seconds_to_frames
from ..names import MUSICGEN_SHORT_NAMES
from .chunked_decode import decode_in_chunks
from .feature_input import VisualInput, visual_conditions
from .lm import ExpotionLM
from .loaders import VisualSpec, is_expotion_checkpoint, load_checkpoint, load_fresh

# Codec decoding: seconds of audio kept per decoder call, and seconds of context decoded on each side.
DECODE_CHUNK_SECONDS = 10.
DECODE_OVERLAP_SECONDS = 1.


class ExpotionGen(MusicGen):
    """A MusicGen whose LM is an :class:`ExpotionLM`.

    Use :meth:`get_pretrained` and :meth:`set_generation_params` as with MusicGen, then
    :meth:`generate_with_video` (or any MusicGen ``generate*`` method: without a video they give the
    frozen MusicGen's output).

    The seam with audiocraft (``audiocraft/models/musicgen.py``, ``genmodel.py``): audiocraft's
    ``generate*`` methods call ``_prepare_tokens_and_attributes`` once, then ``_generate_tokens``, then
    ``generate_audio``; this class overrides exactly those three and nothing else of the loop:

    - ``_prepare_tokens_and_attributes``: MusicGen's text attributes and prompt tokens, plus each
      item's visual condition (null without a video);
    - ``_generate_tokens``: windows of :attr:`window_length` frames, each seeing its own video span;
    - ``generate_audio``: codec decoding in overlapping chunks.

    Besides: ``__init__`` / ``set_generation_params`` (window-sized strides, ``cfg_coef_visual``),
    ``get_pretrained`` (Expotion folders, MusicGen bases, presets), ``generate_continuation`` (``face`` /
    ``motion``), and the video entry points :meth:`generate_with_video` and :meth:`features_of_videos`.
    """
    lm: ExpotionLM

    def __init__(self, name: str, compression_model, lm: ExpotionLM, max_duration: tp.Optional[float] = None):
        # MusicGen.__init__ assumes a 30 s model (extend_stride=18); Expotion windows are the training clips.
        BaseGenModel.__init__(self, name, compression_model, lm, max_duration)
        self.set_generation_params(duration=self.max_duration)

    @property
    def window_length(self) -> int:
        """LM frames per generation window: ``max_duration``, capped at the adaptor's ``max_frames``."""
        return min(seconds_to_frames(self.max_duration, self.frame_rate), self.lm.adaptor.max_frames)

    def set_generation_params(self, use_sampling: bool = True, top_k: int = 250, top_p: float = 0.0,
                              temperature: float = 1.0, duration: float = 30.0, cfg_coef: float = 3.0,
                              two_step_cfg: bool = False, extend_stride: tp.Optional[float] = None,
                              cfg_coef_visual: tp.Optional[float] = None) -> None:
        """As :meth:`MusicGen.set_generation_params`, plus:

        Args:
            extend_stride: seconds between window starts for long videos, in ``(1 / frame_rate, window)``
                where the window is :attr:`window_length` frames (default: half a window).
            cfg_coef_visual: guidance on the visual condition (see :meth:`ExpotionLM.generate`);
                None keeps audiocraft's text-only guidance.
        Raises:
            ValueError: for an ``extend_stride`` outside ``(1 / frame_rate, window)`` or a ``top_k``
                larger than the codebook (``lm.card``).
        """
        window = self.window_length / self.frame_rate
        stride = window / 2 if extend_stride is None else float(extend_stride)
        stride_frames = seconds_to_frames(max(stride, 0.), self.frame_rate)
        if not 1 / self.frame_rate < stride < window or stride_frames >= self.window_length:
            raise ValueError(f"extend_stride must be in (1 / frame_rate, window) = ({1 / self.frame_rate:g} s, "
                             f"{window:g} s), got {extend_stride}.")
        if top_k > self.lm.card:
            raise ValueError(f"top_k={top_k} is larger than the codebook ({self.lm.card} entries).")
        super().set_generation_params(use_sampling=use_sampling, top_k=top_k, top_p=top_p, temperature=temperature,
                                      duration=duration, cfg_coef=cfg_coef, two_step_cfg=two_step_cfg,
                                      extend_stride=stride)
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

    def null_visual(self) -> VisualCondition:
        """The null visual condition (no video): each modality of the model with zero valid frames."""
        conditioner = self.lm.condition_provider.conditioners[self.lm.visual_condition]
        return VisualCondition(**{m: FeatureSequence(torch.zeros(1, 1, dim), torch.zeros(1, dtype=torch.long),
                                                     [self.frame_rate])
                                  for m, dim in conditioner.input_dims.items()})

    @torch.no_grad()
    def _prepare_tokens_and_attributes(self, descriptions: tp.Sequence[tp.Optional[str]],
                                       prompt: tp.Optional[torch.Tensor], melody_wavs=None,
                                       face: VisualInput = None, motion: VisualInput = None
                                       ) -> tp.Tuple[tp.List[ConditioningAttributes], tp.Optional[torch.Tensor]]:
        """MusicGen's (text attributes, prompt tokens), each item with its visual condition.

        The one place where the video enters audiocraft's generation: every ``generate*`` method calls
        this once. With neither ``face`` nor ``motion`` the condition is null (frozen MusicGen).
        """
        attributes, prompt_tokens = super()._prepare_tokens_and_attributes(descriptions, prompt, melody_wavs)
        if face is None and motion is None:
            visuals = [self.null_visual()] * len(attributes)
        else:
            visuals = visual_conditions(face, motion, len(attributes))
        return [with_visual(attr, self.lm.visual_condition, visual)
                for attr, visual in zip(attributes, visuals)], prompt_tokens

    def features_of_videos(self, videos: tp.Sequence[VideoLike], progress: bool = False
                           ) -> tp.Dict[str, tp.List[FeatureFile]]:
        """Features ``[T, D]`` of raw videos per modality (``{"face": [...], "motion": [...]}``), by the
        extractors the model records it was trained on (the offline defaults when it records none).

        Raises:
            ValueError: the model records pretrained extractors (they need weights: extract with
                :func:`~audiocraft_expotion.features.video_features.video_features` and pass
                ``face`` / ``motion``), or a video cannot be read (names it).
        """
        modalities = self.lm.condition_provider.conditioners[self.lm.visual_condition].modalities
        extractors, _ = choose_extractors(read_extractor_record(self.lm.cfg), modalities)
        per_video = [video_features(video, extractors, progress=progress) for video in videos]
        return {modality: [features[modality] for features in per_video] for modality in extractors}

    def generate_with_video(self, descriptions: tp.Sequence[tp.Optional[str]], face: VisualInput = None,
                            motion: VisualInput = None, progress: bool = False, return_tokens: bool = False,
                            prompt: tp.Optional[torch.Tensor] = None, prompt_sample_rate: tp.Optional[int] = None,
                            videos: tp.Optional[tp.Sequence[VideoLike]] = None
                            ) -> tp.Union[torch.Tensor, tp.Tuple[torch.Tensor, torch.Tensor]]:
        """Generate music for text descriptions and the face / motion features of a video.

        Args:
            descriptions: one text prompt per sample (None: no text).
            face, motion: features ``[T, D]`` of each sample (or one for all), as a
                :class:`FeatureFile`, a :class:`FeatureSequence` or a ``(tensor, fps)`` pair; a
                modality the model does not use may be None; both None: no video (frozen MusicGen).
            progress: print generation (and feature extraction) progress.
            return_tokens: also return the generated codes ``[B, K, T]``.
            prompt: optional audio ``[B, C, T]`` to continue (at ``prompt_sample_rate`` Hz); the music
                starts at clip time 0 with the prompt, so the video's time 0 is the prompt's start.
            videos: instead of ``face`` / ``motion``, one raw video per sample (a file path, a decoded
                ``media.video.Video`` or ``(uint8 frames [N, H, W, 3], fps)``); its features are extracted
                with the extractors the model records (:meth:`features_of_videos`).
        Returns:
            Audio ``[B, C, round(duration * frame_rate) * hop]`` at ``self.sample_rate`` (and the tokens
            if asked), ``hop = sample_rate / frame_rate``.
        Raises:
            ValueError: bad features (missing modality, wrong width, NaN), a prompt without its sample
                rate or longer than a window, an unreadable video.
        """
        if videos is not None:
            if face is not None or motion is not None:
                raise ValueError("Pass either videos or face / motion features, not both.")
            features = self.features_of_videos(videos, progress)
            face, motion = features.get("face"), features.get("motion")
        if prompt is not None:
            if prompt_sample_rate is None:
                raise ValueError("An audio prompt needs its prompt_sample_rate.")
            prompt = convert_audio(prompt[None] if prompt.dim() == 2 else prompt, prompt_sample_rate,
                                   self.sample_rate, self.audio_channels)
        attributes, prompt_tokens = self._prepare_tokens_and_attributes(descriptions, prompt, face=face,
                                                                         motion=motion)
        tokens = self._generate_tokens(attributes, prompt_tokens, progress)
        audio = self.generate_audio(tokens)
        return (audio, tokens) if return_tokens else audio

    def generate_continuation(self, prompt: torch.Tensor, prompt_sample_rate: int,
                              descriptions: tp.Optional[tp.List[tp.Optional[str]]] = None,
                              progress: bool = False, return_tokens: bool = False,
                              face: VisualInput = None, motion: VisualInput = None
                              ) -> tp.Union[torch.Tensor, tp.Tuple[torch.Tensor, torch.Tensor]]:
        """:meth:`MusicGen.generate_continuation` (prompt ``[B, C, T]`` or ``[C, T]``), optionally with a video."""
        batch = 1 if prompt.dim() == 2 else len(prompt)
        return self.generate_with_video([None] * batch if descriptions is None else descriptions, face, motion,
                                        progress, return_tokens, prompt=prompt, prompt_sample_rate=prompt_sample_rate)

    def generate_audio(self, gen_tokens: torch.Tensor) -> torch.Tensor:
        """Audio ``[B, C, T * hop]`` of tokens ``[B, K, T]``, decoded in overlapping chunks (flat memory)."""
        if gen_tokens.dim() != 3:
            raise ValueError(f"Expected tokens [B, K, T], got shape {tuple(gen_tokens.shape)}.")
        return decode_in_chunks(self.compression_model, gen_tokens,
                                seconds_to_frames(DECODE_CHUNK_SECONDS, self.frame_rate),
                                seconds_to_frames(DECODE_OVERLAP_SECONDS, self.frame_rate))

    def window_frames(self, duration: float) -> tp.List[tp.Tuple[int, int]]:
        """LM frame ranges ``[start, end)`` of the generation windows for ``duration`` seconds.

        Windows last :attr:`window_length` frames and start every ``extend_stride`` seconds; each
        continues the previous one from its overlap (audiocraft's extend-stride idea), the last one
        ends at ``round(duration * frame_rate)``.
        """
        total = seconds_to_frames(duration, self.frame_rate)
        stride = seconds_to_frames(tp.cast(float, self.extend_stride), self.frame_rate)
        spans, start = [], 0
        while True:
            end = min(start + self.window_length, total)
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

    def _decoding_steps(self, length: int, prompt_length: int) -> int:
        """Steps ``lm.generate`` runs for ``length`` frames of which ``prompt_length`` are given."""
        pattern = self.lm.pattern_provider.get_pattern(length)
        return len(pattern.layout) - pattern.get_first_step_with_timesteps(prompt_length)

    def _generate_tokens(self, attributes, prompt_tokens: tp.Optional[torch.Tensor],
                         progress: bool = False) -> torch.Tensor:
        """Tokens ``[B, K, round(duration * frame_rate)]``, in windows that each see their own video span."""
        windows = self.window_frames(self.duration)
        if prompt_tokens is not None and (len(windows) > 1 or prompt_tokens.shape[-1] >= windows[0][1]):
            raise ValueError(f"An audio prompt ({prompt_tokens.shape[-1]} frames) must be shorter than the "
                             f"duration, which must fit in one window ({self.window_length} frames).")
        # Progress counts the decoding steps lm.generate runs: each window's pattern steps (its frames plus
        # the codebook delays) after the ones its prompt (audio prompt, or the previous window's overlap) fills.
        prompt_lengths = [0 if prompt_tokens is None else prompt_tokens.shape[-1]]
        prompt_lengths += [previous[1] - start for previous, (start, _) in zip(windows, windows[1:])]
        steps = [self._decoding_steps(end - start, length) for (start, end), length in zip(windows, prompt_lengths)]
        total = sum(steps)
        tokens: tp.Optional[torch.Tensor] = None
        for index, (start, end) in enumerate(windows):
            prompt = prompt_tokens if tokens is None else tokens[:, :, start:]

            def callback(generated: int, to_generate: int, done: int = sum(steps[:index])) -> None:
                if self._progress_callback is not None:
                    self._progress_callback(done + generated, total)
                elif progress:
                    print(f"{done + generated: 6d} / {total: 6d}", end="\r")
            with self.autocast:
                generated = self.lm.generate(prompt, self._window_attributes(attributes, start, end - start),
                                             callback=callback, max_gen_len=end - start, **self.generation_params)
            tokens = generated if tokens is None else torch.cat([tokens[:, :, :start], generated], dim=-1)
        return tokens
