"""Video-music dataset: audio segments with the face / motion features of the same time span.

The manifest is audiocraft's: a ``data.jsonl`` (or ``.jsonl.gz``) of ``AudioMeta`` entries, and next
to each audio file its ``.json`` metadata (:mod:`clip_info`) naming the prompts and the feature file
of each extractor. Segments are drawn by audiocraft's ``AudioDataset``: random offsets with
``shuffle=True`` (train), offsets fixed by the item index with ``shuffle=False`` (valid, evaluate,
generate). The features are cut at the segment's span ``[seek_time, seek_time + n_frames / sample_rate)``
(:mod:`feature_window`), so padded audio past the end of a clip gets no visual frames.

Building a dataset needs no audiocraft "teams" config: the manifest is read by
:func:`manifest.load_manifest` (errors give file and line) and the dataset derives from audiocraft's
``AudioDataset`` directly (``InfoAudioDataset`` would map paths through the cluster environment).
"""
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import torch
from audiocraft.data.audio_dataset import AudioDataset, AudioMeta
from audiocraft.data.info_audio_dataset import AudioInfo

from ..modules.conditions import ExpotionConditioningAttributes, FeatureSequence, VisualCondition
from ..names import MODALITIES
from .clip_check import DEFAULT_TOLERANCE, ClipCheckError, check_clips
from .clip_info import PROMPTS, ClipInfo, clip_info_path, feature_path, load_clip_info
from .feature_io import load_features
from .feature_window import cut_features
from .manifest import load_manifest

TEXT_CONDITION = "description"
VISUAL_CONDITION = "visual"


@dataclass
class ExpotionInfo(AudioInfo):
    """Segment info of a video-music clip: its text prompt and its visual features.

    ``visual.face`` / ``visual.motion`` hold one item of ``[1, T, D]`` features (None for a modality
    that is not loaded), each at its own frame rate.
    """
    name: tp.Optional[str] = None
    description: tp.Optional[str] = None
    source: tp.Optional[str] = None  # the clip's original video, if it came from one
    visual: VisualCondition = VisualCondition()

    def to_condition_attributes(self) -> ExpotionConditioningAttributes:
        return ExpotionConditioningAttributes(text={TEXT_CONDITION: self.description},
                                              visual={VISUAL_CONDITION: self.visual})


class VideoMusicDataset(AudioDataset):
    """Audio segments with their prompt and the features of the same span (always returns infos).

    Args:
        meta: audio files of the split; each has a ``.json`` clip metadata beside it.
        modalities: visual modalities to load, among ``("face", "motion")``.
        prompt: ``"generated"`` (the clip's caption) or ``"generic"`` ("music with catchy melody").
        face_extractor: name of the face features in the clip metadata (e.g. ``"marlin"``).
        motion_extractor: name of the motion features (e.g. ``"synchformer"``, ``"raft"``).
        check: validate every clip when building the dataset (:mod:`clip_check`), so that a bad clip
            fails before training rather than mid-epoch.
        tolerance: seconds the features may fall short of the audio at either end (for ``check``).
        manifest: the file ``meta`` was read from (named in errors about its rows).
        kwargs: ``AudioDataset`` arguments (segment_duration, shuffle, sample_rate, channels, ...).
    Raises:
        ClipCheckError: some clip is bad (every problem, by file).
    """
    def __init__(self, meta: tp.List[AudioMeta], modalities: tp.Sequence[str] = MODALITIES,
                 prompt: str = "generated", face_extractor: tp.Optional[str] = None,
                 motion_extractor: tp.Optional[str] = None, check: bool = True,
                 tolerance: float = DEFAULT_TOLERANCE, manifest: tp.Optional[Path] = None, **kwargs):
        if not kwargs.pop("return_info", True):
            raise ValueError("VideoMusicDataset always returns segment infos; return_info=False is not supported.")
        super().__init__(meta, return_info=True, **kwargs)
        unknown = set(modalities) - set(MODALITIES)
        if unknown or not modalities:
            raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}, got {list(modalities)}.")
        if prompt not in PROMPTS:
            raise ValueError(f"prompt must be one of {PROMPTS}, got {prompt!r}.")
        extractors = {"face": face_extractor, "motion": motion_extractor}
        missing = [m for m in modalities if not extractors[m]]
        if missing:
            raise ValueError(f"No extractor given for modalities {missing} (set face_extractor / motion_extractor).")
        self.extractors: tp.Dict[str, str] = {m: tp.cast(str, extractors[m]) for m in MODALITIES if m in modalities}
        self.prompt = prompt
        self.manifest = manifest
        if check:
            reports = check_clips(self.meta, list(self.extractors.values()), tolerance, prompt, manifest)
            if not all(r.ok for r in reports):
                raise ClipCheckError(reports)
        self.clips: tp.Dict[str, ClipInfo] = {m.path: load_clip_info(clip_info_path(m.path)) for m in self.meta}

    def _visual(self, path: str, seek_time: float, duration: float) -> VisualCondition:
        """Features of each loaded modality over ``[seek_time, seek_time + duration)``."""
        sequences = {}
        for modality, extractor in self.extractors.items():
            feature_file = load_features(feature_path(clip_info_path(path), self.clips[path], extractor))
            sequences[modality] = FeatureSequence.single(cut_features(feature_file, seek_time, duration),
                                                         feature_file.fps)
        return VisualCondition(**sequences)

    def __getitem__(self, index: int) -> tp.Tuple[torch.Tensor, ExpotionInfo]:
        """``([C, T] wav, info)`` of one segment."""
        wav, segment = super().__getitem__(index)
        info = AudioInfo(**segment.to_dict())
        path = info.meta.path
        visual = self._visual(path, info.seek_time, info.n_frames / info.sample_rate)
        clip = self.clips[path]
        return wav, ExpotionInfo(**info.to_dict(), name=clip.name, description=clip.prompt(self.prompt),
                                 source=clip.source, visual=visual)


def build_expotion_dataset(path: tp.Union[str, Path], segment_duration: tp.Optional[float], sample_rate: int,
                           channels: int, modalities: tp.Sequence[str], prompt: str,
                           motion_extractor: tp.Optional[str], face_extractor: tp.Optional[str],
                           shuffle: bool, return_info: bool = True, **kwargs) -> VideoMusicDataset:
    """The dataset of one split, for the solver (one call per split, as audiocraft's ``get_audio_datasets``).

    Args:
        path: split folder holding ``data.jsonl`` / ``data.jsonl.gz``, or the jsonl file itself.
        segment_duration: seconds per segment (None: whole clips).
        sample_rate, channels: target audio format.
        modalities, prompt, motion_extractor, face_extractor: see :class:`VideoMusicDataset`.
        shuffle: random offsets (train) or offsets fixed by the item index (valid/evaluate/generate).
        return_info: must be True (the infos carry the conditions).
        kwargs: other ``AudioDataset`` / :class:`VideoMusicDataset` arguments (num_samples,
            min_segment_ratio, sample_on_duration, check, tolerance, ...).
    Returns:
        The dataset; batch it with ``collate_fn=dataset.collater``.
    Raises:
        ManifestError: no manifest or a bad row (file:line); ClipCheckError: bad clips.
    """
    manifest, meta = load_manifest(path)
    return VideoMusicDataset(meta, segment_duration=segment_duration, sample_rate=sample_rate,
                             channels=channels, modalities=list(modalities), prompt=prompt,
                             motion_extractor=motion_extractor, face_extractor=face_extractor,
                             shuffle=shuffle, return_info=return_info, manifest=manifest, **kwargs)
