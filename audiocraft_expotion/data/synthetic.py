"""Tiny synthetic video-music dataset, for tests and smoke runs of the training pipeline.

    python -m audiocraft_expotion.data.synthetic OUT_DIR --num-clips 8 --duration 4 [--video]

Each clip has a smooth random "motion energy" ``e(t)`` in [0, 1]. Its music is a click track whose
tempo follows the motion (``70 + 100 * e(t)`` bpm) over a drone at a random pitch; its motion features
carry ``e(t)`` in channel 0 (other channels: smooth noise); its face features are smooth noise. With
``--video`` a clip is a small mp4 (a square moving with the motion, AAC audio track) instead of a
wav file. The captions describe tempo and pitch. Layout::

    OUT/raw/clip000.wav | .mp4            OUT/features/clip000.<extractor>.npz
    OUT/captions.jsonl                    OUT/egs/{clips,train,valid,evaluate,generate}/  (build_manifest)
"""
import json
import math
import sys
import typing as tp
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile
import torch

from ..modules.temporal import interpolate_features
from ..utils.atomic import atomic_write_bytes
from ..utils.cli import ArgumentParser
from .build_manifest import Manifest, build_manifest
from .feature_io import FeatureFile, feature_file_name, save_features

NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
SPLITS = "train=0.5,valid=0.2,evaluate=0.15,generate=0.15"


@dataclass
class SyntheticConfig:
    """Sizes of the synthetic clips and of their features (defaults: the rates and widths of the MARLIN
    face, Synchformer motion and RAFT (flow CNN) motion extractors of :mod:`audiocraft_expotion.features`,
    so that every conditioner preset of the ablation grid has its features)."""
    num_clips: int = 8
    duration: float = 4.0
    sample_rate: int = 32000
    face_extractor: str = "marlin"
    face_dim: int = 768
    face_fps: float = 5.0
    motion_extractor: str = "synchformer"
    motion_dim: int = 768
    motion_fps: float = 40.0
    flow_extractor: str = "raft"
    flow_dim: int = 256
    flow_fps: float = 5.0
    video: bool = False
    seed: int = 0


class MotionEnergy:
    """A smooth random signal ``e(t)`` in [0, 1]: a sum of three slow sinusoids."""

    def __init__(self, rng: np.random.Generator):
        self.freqs = rng.uniform(0.05, 0.5, 3)
        self.phases = rng.uniform(0, 2 * math.pi, 3)
        self.amps = rng.uniform(0.5, 1.0, 3)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """``e(t)`` at the times ``t`` (seconds, any shape)."""
        waves = np.sin(2 * math.pi * self.freqs * t[..., None] + self.phases) @ self.amps
        return 0.5 + 0.5 * waves / self.amps.sum()


def click_track(energy: MotionEnergy, duration: float, sample_rate: int, pitch: float) -> np.ndarray:
    """``[T]`` float32 music: clicks at ``70 + 100 * e(t)`` bpm over a drone at ``pitch`` Hz."""
    t = np.arange(int(duration * sample_rate)) / sample_rate
    beats_per_second = (70 + 100 * energy(t)) / 60
    since_beat = (np.cumsum(beats_per_second / sample_rate) % 1) / beats_per_second  # seconds
    clicks = np.exp(-since_beat * 40) * np.sin(2 * math.pi * 2 * pitch * t)
    drone = 0.3 * np.sin(2 * math.pi * pitch * t)
    return (0.6 * clicks + drone).astype(np.float32)


def smooth_features(duration: float, fps: float, dim: int, rng: np.random.Generator) -> np.ndarray:
    """``[ceil(duration * fps), dim]`` smooth noise: random anchors every second, linearly interpolated."""
    num_frames = math.ceil(duration * fps)
    anchors = torch.from_numpy(rng.standard_normal((math.ceil(duration) + 1, dim)).astype(np.float32))
    return interpolate_features(anchors, 1.0, fps, num_frames).numpy()


def write_video(path: Path, wav: np.ndarray, sample_rate: int, energy: MotionEnergy, fps: int = 10,
                size: int = 64) -> None:
    """A ``size``-pixel H.264 mp4 whose white square moves with ``energy``, with ``wav`` as AAC track."""
    def write(f: tp.BinaryIO) -> None:
        with av.open(f, "w", format="mp4") as container:
            video = container.add_stream("libx264", rate=fps)
            video.width = video.height = size
            video.pix_fmt = "yuv420p"
            audio = container.add_stream("aac", rate=sample_rate, layout="mono")
            for i in range(math.ceil(len(wav) / sample_rate * fps)):
                image = np.zeros((size, size, 3), np.uint8)
                x = int(energy(np.array(i / fps)) * (size - 16))
                image[size // 2 - 8:size // 2 + 8, x:x + 16] = 255
                container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
            frame = av.AudioFrame.from_ndarray(wav[None], format="flt", layout="mono")
            frame.sample_rate, frame.pts = sample_rate, 0
            container.mux(audio.encode(frame))
            container.mux(video.encode(None))
            container.mux(audio.encode(None))
    atomic_write_bytes(path, write)


def write_clip(out: Path, name: str, cfg: SyntheticConfig, rng: np.random.Generator) -> str:
    """Write the audio (or video) and features of one clip; returns its caption."""
    energy = MotionEnergy(rng)
    semitone = int(rng.integers(0, 24))
    pitch = 110 * 2 ** (semitone / 12)
    wav = click_track(energy, cfg.duration, cfg.sample_rate, pitch)
    if cfg.video:
        write_video(out / "raw" / f"{name}.mp4", wav, cfg.sample_rate, energy)
    else:
        atomic_write_bytes(out / "raw" / f"{name}.wav",
                           lambda f: soundfile.write(f, wav, cfg.sample_rate, format="WAV", subtype="FLOAT"))
    face = smooth_features(cfg.duration, cfg.face_fps, cfg.face_dim, rng)
    motion = smooth_features(cfg.duration, cfg.motion_fps, cfg.motion_dim, rng)
    motion[:, 0] = energy(np.arange(len(motion)) / cfg.motion_fps)
    flow = smooth_features(cfg.duration, cfg.flow_fps, cfg.flow_dim, rng)
    flow[:, 0] = energy(np.arange(len(flow)) / cfg.flow_fps)
    for extractor, modality, features, fps in ((cfg.face_extractor, "face", face, cfg.face_fps),
                                               (cfg.motion_extractor, "motion", motion, cfg.motion_fps),
                                               (cfg.flow_extractor, "motion", flow, cfg.flow_fps)):
        save_features(out / "features" / feature_file_name(name, extractor),
                      FeatureFile(features, fps, meta={"extractor": extractor, "modality": modality,
                                                       "synthetic": True}))
    bpm = 70 + 100 * float(energy(np.linspace(0, cfg.duration, 100)).mean())
    speed = "slow" if bpm < 100 else "moderate" if bpm < 130 else "fast"
    return f"A {speed} click track at about {bpm:.0f} bpm over a {NOTES[semitone % 12]} drone."


def build_synthetic_dataset(out: tp.Union[str, Path], cfg: tp.Optional[SyntheticConfig] = None,
                            splits: str = SPLITS) -> Manifest:
    """Write ``cfg.num_clips`` synthetic clips under ``out`` and their manifest under ``out/egs``."""
    out, cfg = Path(out), cfg or SyntheticConfig()
    rng = np.random.default_rng(cfg.seed)
    captions = [{"clip": f"clip{i:03d}", "description": write_clip(out, f"clip{i:03d}", cfg, rng)}
                for i in range(cfg.num_clips)]
    text = "".join(json.dumps(c) + "\n" for c in captions)
    atomic_write_bytes(out / "captions.jsonl", lambda f: f.write(text.encode("utf-8")))
    return build_manifest(out / "raw", out / "features", out / "egs", out / "captions.jsonl",
                          cfg.face_extractor, cfg.motion_extractor, splits, cfg.seed, sample_rate=cfg.sample_rate)


def main(argv: tp.Optional[tp.List[str]] = None) -> int:
    defaults = SyntheticConfig()
    parser = ArgumentParser(prog="python -m audiocraft_expotion.data.synthetic",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--num-clips", type=int, default=defaults.num_clips)
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds per clip")
    for field in ("sample_rate", "face_dim", "face_fps", "motion_dim", "motion_fps", "seed",
                  "face_extractor", "motion_extractor"):
        default = getattr(defaults, field)
        parser.add_argument(f"--{field.replace('_', '-')}", type=type(default), default=default)
    parser.add_argument("--video", action="store_true", help="write mp4 clips (PyAV) instead of wav files")
    parser.add_argument("--split", default=SPLITS)
    args = parser.parse_args(argv)
    cfg = SyntheticConfig(**{k: v for k, v in vars(args).items() if k not in ("out_dir", "split")})
    manifest = build_synthetic_dataset(args.out_dir, cfg, args.split)
    for split, meta in manifest.splits.items():
        print(f"{split}: {len(meta)} clips -> {Path(args.out_dir) / 'egs' / split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
