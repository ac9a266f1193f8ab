import json
import re
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile
from audiocraft.data.audio_dataset import load_audio_meta

from audiocraft_expotion.data.build_manifest import build_manifest, main
from audiocraft_expotion.data.clip_check import ClipCheckError
from audiocraft_expotion.data.clip_info import GENERIC_PROMPT, clip_info_path, feature_path, load_clip_info
from audiocraft_expotion.data.feature_io import FeatureFile, load_features, save_features
from audiocraft_expotion.data.splits import parse_splits, split_counts
from audiocraft_expotion.data.synthetic import SPLITS, SyntheticConfig, build_synthetic_dataset
from audiocraft_expotion.data.video_music_dataset import build_expotion_dataset
from audiocraft_expotion.modules.conditions import collate_visual


def test_synthetic_manifest_end_to_end(synthetic_root, synthetic_config):
    captions = {json.loads(line)["clip"]: json.loads(line)["description"]
                for line in (synthetic_root / "captions.jsonl").read_text().splitlines()}
    expected_counts = split_counts(synthetic_config.num_clips, parse_splits(SPLITS))
    names = []
    for split, count in expected_counts.items():
        metas = load_audio_meta(synthetic_root / "egs" / split / "data.jsonl")
        assert len(metas) == count
        for meta in metas:
            assert meta.duration == pytest.approx(synthetic_config.duration)
            assert meta.sample_rate == synthetic_config.sample_rate
            info_path = clip_info_path(meta.path)
            clip = load_clip_info(info_path)
            names.append(clip.name)
            assert clip.description == captions[clip.name]
            assert clip.generic_prompt == GENERIC_PROMPT
            for extractor, dim, fps in ((synthetic_config.face_extractor, synthetic_config.face_dim,
                                         synthetic_config.face_fps),
                                        (synthetic_config.motion_extractor, synthetic_config.motion_dim,
                                         synthetic_config.motion_fps)):
                assert not Path(clip.features[extractor]).is_absolute()  # relative to the json
                features = load_features(feature_path(info_path, clip, extractor))
                assert (features.dim, features.fps) == (dim, fps)
    assert sorted(names) == sorted(captions)  # every clip in exactly one split


def write_bad_clips(root: Path) -> dict:
    """Six 1 s clips; five get one problem each. Returns {clip: (file, problem pattern)}."""
    build_synthetic_dataset(root, SyntheticConfig(num_clips=6, duration=1.0, face_dim=4, motion_dim=4),
                            splits="train=1")
    features = root / "features"
    (features / "clip000.synchformer.npz").unlink()
    nan = np.ones((5, 4), np.float32)
    nan[2, 1] = np.nan
    np.savez(features / "clip001.marlin.npz", features=nan, fps=5.0, start=0.0, meta="{}")
    save_features(features / "clip002.synchformer.npz", FeatureFile(np.ones((12, 4), np.float32), 24.0))
    captions = (root / "captions.jsonl").read_text().splitlines()
    (root / "captions.jsonl").write_text("\n".join(line for line in captions if "clip003" not in line))
    save_features(features / "clip004.marlin.npz", FeatureFile(np.ones((5, 7), np.float32), 5.0))
    return {"clip000": (features / "clip000.synchformer.npz", "feature file does not exist"),
            "clip001": (features / "clip001.marlin.npz", r"1 non-finite values \(NaN/inf\) in frames \[2\]"),
            "clip002": (features / "clip002.synchformer.npz", r"features end at 0.500 s, more than 0.25 s before"),
            "clip003": (root / "raw" / "clip003.wav", "no caption for clip 'clip003'"),
            "clip004": (features / "clip004.marlin.npz",
                        r"features differ from those of the other clips \(dim: 7 vs 4\)")}


def test_bad_clips_are_reported_by_file(tmp_path, capsys):
    problems = write_bad_clips(tmp_path)
    out = tmp_path / "out"
    args = [str(tmp_path / "raw"), "--features", str(tmp_path / "features"), "--out", str(out),
            "--captions", str(tmp_path / "captions.jsonl"), "--split", "train=1"]
    assert main(args) == 1
    report = capsys.readouterr().err
    assert "5 of 6 clips have problems" in report
    for clip, (path, problem) in problems.items():
        assert re.search(rf"  {clip}:\n    {re.escape(str(path))}: {problem}", report), (clip, report)
    assert "clip005" not in report
    assert not (out / "train" / "data.jsonl").exists()

    assert main(args + ["--skip-bad"]) == 0
    assert "5 of 6 clips have problems" in capsys.readouterr().err
    assert [Path(m.path).stem for m in load_audio_meta(out / "train" / "data.jsonl")] == ["clip005"]


def test_ambiguous_clip_names_are_reported(tmp_path):
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    for path in (clips / "a.wav", clips / "sub" / "a.flac"):
        soundfile.write(path, np.zeros(3200, np.float32), 32000)
    (tmp_path / "features").mkdir()
    pattern = r"clips/a\.wav: clip name 'a' is ambiguous, also used by \['.*/sub/a\.flac'\]"
    with pytest.raises(ClipCheckError, match=pattern):
        build_manifest(clips, tmp_path / "features", tmp_path / "out", face_extractor="none",
                       motion_extractor="none", splits="train=1")


def video_times(path: Path) -> tuple:
    """(time of the first frame, end of the last frame, audio duration) of a video, in seconds."""
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        first = float(video.start_time * video.time_base)
        return first, float((video.start_time + video.duration) * video.time_base), \
            float(audio.duration * audio.time_base)


def test_manifest_of_real_videos(real_videos, tmp_path):
    clips, features = tmp_path / "clips", tmp_path / "features"
    clips.mkdir()
    rng = np.random.default_rng(0)
    times = {}
    for name, path in real_videos.items():
        (clips / name).symlink_to(path)
        stem = Path(name).stem
        first, end, audio_duration = times[stem] = video_times(path)
        for extractor, fps, dim in (("marlin", 5.0, 768), ("synchformer", 24.0, 64)):
            frames = int(np.ceil((end - first) * fps))
            save_features(features / f"{stem}.{extractor}.npz",
                          FeatureFile(rng.standard_normal((frames, dim)).astype(np.float32), fps, start=first))
    # Features start at the first video frame: clips whose video starts late are reported.
    late = {stem for stem, (first, _, _) in times.items() if first > 0.25}
    assert late  # owl_clip3 starts at 0.645 s
    with pytest.raises(ClipCheckError) as error:
        build_manifest(clips, features, tmp_path / "egs", splits="train=1")
    assert {r.name for r in error.value.reports if not r.ok} == late
    for stem in late:
        assert f"{stem}.marlin.npz: features start at {times[stem][0]:.3f} s, more than 0.25 s" in str(error.value)

    manifest = build_manifest(clips, features, tmp_path / "egs", splits="train=1", tolerance=1.0)
    for meta in manifest.splits["train"]:
        assert meta.sample_rate == 32000
        assert meta.duration == pytest.approx(times[Path(meta.path).stem][2], abs=0.05)
        assert soundfile.info(meta.path).channels == 1
    dataset = build_expotion_dataset(tmp_path / "egs" / "train", segment_duration=4.0, sample_rate=32000,
                                     channels=1, modalities=["face", "motion"], prompt="generic",
                                     motion_extractor="synchformer", face_extractor="marlin", shuffle=False,
                                     num_samples=3, min_segment_ratio=1.0, tolerance=1.0)
    wav, infos = dataset.collater([dataset[i] for i in range(3)])
    assert wav.shape == (3, 1, 128000)
    visual = collate_visual([i.to_condition_attributes().visual["visual"] for i in infos])
    assert visual.face.features.shape == (3, 20, 768) and visual.motion.features.shape == (3, 96, 64)
