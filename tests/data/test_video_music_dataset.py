import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf
from audiocraft.data.audio_dataset import load_audio_meta

from audiocraft_expotion.data.clip_check import ClipCheckError
from audiocraft_expotion.data.clip_info import GENERIC_PROMPT, clip_info_path, load_clip_info, save_clip_info
from audiocraft_expotion.data.synthetic import SyntheticConfig, build_synthetic_dataset
from audiocraft_expotion.data.video_music_dataset import ExpotionInfo, build_expotion_dataset
from audiocraft_expotion.modules.conditions import ExpotionConditioningAttributes, collate_visual

SEGMENT = 2.0


def timed_dataset(egs: Path, shuffle: bool = True, **kwargs):
    options = dict(segment_duration=SEGMENT, sample_rate=32000, channels=1, modalities=["face", "motion"],
                   prompt="generated", motion_extractor="motion", face_extractor="face", shuffle=shuffle,
                   num_samples=40, min_segment_ratio=1.0)
    options.update(kwargs)
    return build_expotion_dataset(egs / "train", **options)


def test_audio_and_features_are_cut_at_the_same_span(timed_egs):
    # The audio is the ramp t / 100 and each feature is the time of its frame: both give the segment start.
    dataset = timed_dataset(timed_egs)
    for index in range(len(dataset)):
        wav, info = dataset[index]
        audio_start = wav[0, 0].item() * 100
        assert audio_start == pytest.approx(info.seek_time, abs=1e-4)
        clip_id = int(info.name.removeprefix("clip"))
        for sequence in info.visual:
            times, ids = sequence.features[0, :, 0].double(), sequence.features[0, :, 1]
            fps = sequence.fps[0]
            assert sequence.lengths.tolist() == [math.ceil(SEGMENT * fps)]
            assert (ids == clip_id).all()
            # Frame k is the video at exactly audio_start + k / fps (the file's end frames held outside it).
            exact = audio_start + torch.arange(len(times), dtype=torch.float64) / fps
            torch.testing.assert_close(times, exact.clamp(times.min().item(), times.max().item()), atol=1e-4, rtol=0)
            assert times[0] == pytest.approx(audio_start, abs=1e-4) or audio_start < times[0]  # before frame 0: held


def test_random_offsets_with_shuffle_fixed_offsets_without(timed_egs):
    fixed = timed_dataset(timed_egs, shuffle=False)
    first = [fixed[i][1] for i in range(8)]
    again = [fixed[i][1] for i in range(8)]
    assert [i.seek_time for i in first] == [i.seek_time for i in again]
    assert all(torch.equal(a.visual.face.features, b.visual.face.features) for a, b in zip(first, again))
    assert len({i.seek_time for i in first}) == 8  # the offset depends on the item index

    shuffled = timed_dataset(timed_egs, shuffle=True)
    seeks = {shuffled[0][1].seek_time for _ in range(5)}
    assert len(seeks) == 5


@pytest.mark.parametrize("prompt", ["generated", "generic"])
def test_prompt_choice(timed_egs, prompt):
    dataset = timed_dataset(timed_egs, prompt=prompt)
    for index in range(6):
        _, info = dataset[index]
        expected = f"caption of {info.name}" if prompt == "generated" else GENERIC_PROMPT
        assert info.description == expected
        assert info.to_condition_attributes().text == {"description": expected}


@pytest.mark.parametrize("modalities", [["face"], ["motion"], ["face", "motion"]])
def test_modality_selection(timed_egs, modalities):
    extractors = {"face_extractor": "face" if "face" in modalities else None,
                  "motion_extractor": "motion" if "motion" in modalities else None}
    dataset = timed_dataset(timed_egs, modalities=modalities, **extractors)
    _, info = dataset[0]
    for modality in ("face", "motion"):
        assert (info.visual.get(modality) is not None) == (modality in modalities)


def test_bad_options_are_rejected(timed_egs):
    with pytest.raises(ValueError, match="modalities"):
        timed_dataset(timed_egs, modalities=["face", "voice"])
    with pytest.raises(ValueError, match="extractor"):
        timed_dataset(timed_egs, motion_extractor=None)
    with pytest.raises(ValueError, match="prompt"):
        timed_dataset(timed_egs, prompt="caption")
    with pytest.raises(ValueError, match="return_info"):
        timed_dataset(timed_egs, return_info=False)


def test_whole_clips_without_segment_duration(timed_egs):
    dataset = timed_dataset(timed_egs, segment_duration=None, shuffle=False)
    for index in range(len(dataset)):
        wav, info = dataset[index]
        duration = wav.shape[-1] / 32000
        assert info.seek_time == 0
        assert info.visual.face.lengths.item() == math.ceil(duration * info.visual.face.fps[0] - 1e-6)


def test_dataset_checks_clips_when_built(tmp_path):
    build_synthetic_dataset(tmp_path, SyntheticConfig(num_clips=2, duration=1.0, face_dim=4, motion_dim=4),
                            splits="train=1")
    options = dict(segment_duration=0.5, sample_rate=32000, channels=1, modalities=["face", "motion"],
                   prompt="generated", motion_extractor="synchformer", face_extractor="marlin", shuffle=True)
    egs = tmp_path / "egs" / "train"
    # An extractor missing from the clip metadata is reported with the clip json.
    with pytest.raises(ClipCheckError, match=r"clip00\d\.json: no 'mediapipe_pose' features listed"):
        build_expotion_dataset(egs, **{**options, "motion_extractor": "mediapipe_pose"})
    # A clip without caption cannot be used with prompt="generated", but can with "generic".
    info_path = clip_info_path(load_audio_meta(egs / "data.jsonl")[0].path)
    save_clip_info(info_path, replace(load_clip_info(info_path), description=None))
    with pytest.raises(ClipCheckError, match=re.escape(f"{info_path}: no text for prompt='generated'")):
        build_expotion_dataset(egs, **options)
    assert build_expotion_dataset(egs, **{**options, "prompt": "generic"})[0][1].description == GENERIC_PROMPT
    # A deleted feature file is reported by name.
    feature = tmp_path / "features" / "clip001.marlin.npz"
    feature.unlink()
    with pytest.raises(ClipCheckError, match=re.escape(f"{feature}: feature file does not exist")):
        build_expotion_dataset(egs, **{**options, "prompt": "generic"})


def test_dataloader_batches_collate_for_the_model(synthetic_root, synthetic_config):
    cfg = synthetic_config
    dataset = build_expotion_dataset(synthetic_root / "egs" / "train", segment_duration=2.0, sample_rate=32000,
                                     channels=1, modalities=["face", "motion"], prompt="generated",
                                     motion_extractor=cfg.motion_extractor, face_extractor=cfg.face_extractor,
                                     shuffle=True, num_samples=6, min_segment_ratio=0.5)
    loader = torch.utils.data.DataLoader(dataset, batch_size=3, collate_fn=dataset.collater)
    for wav, infos in loader:
        assert wav.shape == (3, 1, 64000)
        assert all(isinstance(info, ExpotionInfo) for info in infos)
        attributes = [info.to_condition_attributes() for info in infos]
        assert all(isinstance(a, ExpotionConditioningAttributes) for a in attributes)
        assert all(a.text["description"].startswith("A ") for a in attributes)
        visual = collate_visual([a.visual["visual"] for a in attributes])
        for sequence, fps, dim in ((visual.face, cfg.face_fps, cfg.face_dim),
                                   (visual.motion, cfg.motion_fps, cfg.motion_dim)):
            expected = [math.ceil(info.n_frames / 32000 * fps - 1e-6) for info in infos]
            assert sequence.lengths.tolist() == expected
            assert sequence.features.shape == (3, max(expected), dim)
            assert sequence.fps == [fps] * 3


def test_audiocraft_get_audio_datasets_config_flow(synthetic_root, synthetic_config, monkeypatch):
    # audiocraft's own loader builder, with the dataset sections of its solver/musicgen default configs;
    # only the dataset class is swapped for ours, as the Expotion solver does.
    from audiocraft.data.music_dataset import MusicDataset
    from audiocraft.solvers.builders import DatasetType, get_audio_datasets

    def from_meta(path, **kwargs):
        return build_expotion_dataset(path, modalities=["face", "motion"], prompt="generated",
                                      motion_extractor=synthetic_config.motion_extractor,
                                      face_extractor=synthetic_config.face_extractor, **kwargs)
    monkeypatch.setattr(MusicDataset, "from_meta", staticmethod(from_meta))
    egs = synthetic_root / "egs"
    cfg = OmegaConf.create({
        "sample_rate": 32000, "channels": 1, "seed": 0, "optim": {"updates_per_epoch": 2},
        "datasource": {"max_sample_rate": 32000, "max_channels": 1,
                       **{split: str(egs / split) for split in ("train", "valid", "evaluate", "generate")}},
        "dataset": {"batch_size": 2, "num_workers": 0, "segment_duration": 1.0, "num_samples": None,
                    "return_info": True, "shuffle": False, "sample_on_duration": False,
                    "sample_on_weight": False, "min_segment_ratio": 0.8,
                    "train": {"num_samples": 4, "shuffle": True, "shuffle_seed": 0, "permutation_on_files": False},
                    "valid": {"num_samples": 2}, "evaluate": {"num_samples": 2},
                    "generate": {"num_samples": 2, "return_info": True}}})
    loaders = get_audio_datasets(cfg, dataset_type=DatasetType.MUSIC)
    assert sorted(loaders) == ["evaluate", "generate", "train", "valid"]
    for split, loader in loaders.items():
        wav, infos = next(iter(loader))
        assert wav.shape == (2, 1, 32000)
        assert all(isinstance(info, ExpotionInfo) for info in infos)
        visual = collate_visual([info.to_condition_attributes().visual["visual"] for info in infos])
        assert visual.motion.features.shape[0] == 2
