"""Common interface of the feature extractors: a decoded :class:`Video` in, a :class:`FeatureFile` out."""
import typing as tp
from abc import ABC, abstractmethod

import numpy as np

from ..data.feature_io import FeatureFile
from .video import Video


class Extractor(ABC):
    """Turns a decoded clip into a ``[T, dim]`` feature sequence at ``fps`` starting at clip time 0.

    Class attributes:
        name: registry name, also the middle part of the output file name.
        version: bumped whenever the features of a clip change; stored in every file.
        max_side: longest frame side the extractor needs; videos are decoded at most this large.
    """
    name: str = ""
    version: str = "1"
    max_side: tp.Optional[int] = None

    @property
    @abstractmethod
    def fps(self) -> float:
        """Frame rate of the output features."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Width D of the output features."""

    @abstractmethod
    def features(self, video: Video) -> tp.Tuple[np.ndarray, tp.Dict[str, tp.Any]]:
        """``float32 [T, dim]`` features of ``video`` and extractor-specific metadata."""

    def settings(self) -> tp.Dict[str, tp.Any]:
        """Parameters that define the features (stored in the metadata)."""
        return {}

    def extract(self, video: Video) -> FeatureFile:
        """Features of ``video`` with the common metadata (source, timing, extractor name and version)."""
        features, meta = self.features(video)
        grid = video.grid(self.fps)
        meta = {"extractor": self.name, "version": self.version, "video": str(video.path),
                "video_frames": video.num_frames, "video_duration": video.end,
                "first_frame_time": video.first_time, "rotation": video.rotation,
                "held_frames": grid.held_frames, "settings": self.settings(), **meta}
        return FeatureFile(features=np.asarray(features, dtype=np.float32), fps=self.fps, start=0.0, meta=meta)

