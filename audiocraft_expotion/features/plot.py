"""Feature energy over time above a strip of video thumbnails, on one time axis (``--plot``)."""
import typing as tp
from pathlib import Path

import numpy as np

from ..data.feature_energy import feature_energy
from ..data.feature_io import FeatureFile
from ..media.video import Video
from ..utils.atomic import atomic_write_bytes


def plot_features(feature_file: FeatureFile, video: Video, path: tp.Union[str, Path], thumbnails: int = 8) -> None:
    """Write a PNG: feature energy (:func:`feature_energy`) over time, thumbnails below on the same axis."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    duration = max(video.end, feature_file.start + feature_file.duration)
    energy = feature_energy(feature_file.features)
    times = feature_file.times()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 4.5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    top.plot(times, energy, color="tab:red")
    top.set_ylabel("feature energy\n(RMS z-score)")
    top.set_title(f"{video.path.name}: {feature_file.meta.get('extractor', '')} "
                  f"[{feature_file.num_frames} x {feature_file.dim} @ {feature_file.fps:g} fps]")
    width = duration / thumbnails
    height, frame_width = video.frames.shape[1:3]
    for k in range(thumbnails):
        index = max(0, np.searchsorted(video.times, (k + 0.5) * width, side="right") - 1)
        bottom.imshow(video.frames[index], extent=(k * width, (k + 1) * width, 0, width * height / frame_width),
                      aspect="auto")
    bottom.set_xlim(0, duration)
    bottom.set_ylim(0, width * height / frame_width)
    bottom.set_yticks([])
    bottom.set_xlabel("time (s)")
    fig.tight_layout()
    atomic_write_bytes(path, lambda f: fig.savefig(f, format="png", dpi=80))
    plt.close(fig)
