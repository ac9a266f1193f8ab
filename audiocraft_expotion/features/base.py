"""Common interface of the feature extractors: a decoded :class:`Video` in, a :class:`FeatureFile` out."""
import json
import typing as tp
from abc import ABC, abstractmethod

import numpy as np

from ..data.feature_io import FeatureFile
from ..media.video import Video


class Extractor(ABC):
    """Turns a decoded clip into a ``[T, dim]`` feature sequence at ``fps`` starting at clip time 0.

    Class attributes:
        name: registry name, also the middle part of the output file name.
        modality: ``"face"`` or ``"motion"``, the conditioning stream the features are meant for.
        version: bumped whenever the features of a clip change; stored in every file.
        max_side: longest frame side the extractor needs; videos are decoded at most this large.
        weights_checksum: :func:`.checkpoint.state_checksum` of the network weights (None: no learnt
            weights, or weights identified by a package version in ``settings``).
    """
    name: str = ""
    modality: str = ""
    version: str = "1"
    max_side: tp.Optional[int] = None
    weights_checksum: tp.Optional[str] = None

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

    @property
    def grid_fps(self) -> float:
        """Rate (fps) of the frame grid the extractor reads from the video (:meth:`Video.grid`); a video
        decoded for it keeps only those frames."""
        return self.fps

    def settings(self) -> tp.Dict[str, tp.Any]:
        """Parameters that define the features (stored in the metadata)."""
        return {}

    def fingerprint(self) -> tp.Dict[str, tp.Any]:
        """What defines the features apart from the video: name, version, settings, weights checksum
        (JSON values, as stored in a feature file's metadata)."""
        return json.loads(json.dumps({"extractor": self.name, "version": self.version, "settings": self.settings(),
                                      "weights_sha256": self.weights_checksum}))

    def extract(self, video: Video) -> FeatureFile:
        """Features of ``video`` with the common metadata (source, timing, :meth:`fingerprint`)."""
        features, meta = self.features(video)
        grid = video.grid(self.grid_fps)
        meta = {**self.fingerprint(), "modality": self.modality, "video": str(video.path),
                "video_frames": video.source_frames or video.num_frames, "video_duration": video.end,
                "first_frame_time": video.first_time, "rotation": video.rotation,
                "held_frames": grid.held_frames, **meta}
        return FeatureFile(features=np.asarray(features, dtype=np.float32), fps=self.fps, start=0.0, meta=meta)


def mediapipe_weights() -> str:
    """Identity of the models shipped in the ``mediapipe`` wheel: its version."""
    import mediapipe
    return f"mediapipe=={mediapipe.__version__}"
