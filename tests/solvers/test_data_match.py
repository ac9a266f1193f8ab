"""expotion.data=DIR: the conditioner is matched to the dataset's features, or fails at once naming the override."""
import pytest
from omegaconf import OmegaConf

from audiocraft_expotion.data.dataset_record import DatasetRecord, DatasetRecordError, save_dataset_record
from audiocraft_expotion.data.extractor_record import ExtractorRecord, read_extractor_record
from audiocraft_expotion.solvers.data_match import DataMismatchError, match_dataset

FACE = ExtractorRecord("mediapipe_face", "1", {"side": 320}, None, 317, 10.0, "face")
FLOW = ExtractorRecord("flow", "1", {"side": 160}, None, 21, 10.0, "motion")
MARLIN = ExtractorRecord("marlin", "1", {}, "ab12", 768, 5.0, "face")


def smoke_cfg(**expotion):
    keys = dict(data=None, modalities="auto", face_extractor="auto", face_dim="auto", motion_extractor="auto",
                motion_dim="auto", prompt="auto")
    keys.update(expotion)
    cfg = OmegaConf.create({"expotion": keys, "conditioners": {"visual": {"expotion_visual": {
        "modalities": "${expotion.modalities}", "face_dim": "${expotion.face_dim}",
        "motion_dim": "${expotion.motion_dim}"}}}})
    OmegaConf.set_struct(cfg, True)
    return cfg


def dataset(tmp_path, *records, captions=False):
    save_dataset_record(tmp_path, DatasetRecord({r.name: r for r in records}, captions, {"train": ["a"]}))
    return tmp_path


def test_auto_keys_follow_the_features_of_the_folder(tmp_path):
    cfg = smoke_cfg()
    match_dataset(cfg, dataset(tmp_path, FACE, FLOW))
    assert cfg.expotion.modalities == ["face", "motion"]
    assert (cfg.expotion.face_extractor, cfg.expotion.face_dim) == ("mediapipe_face", 317)
    assert (cfg.expotion.motion_extractor, cfg.expotion.motion_dim) == ("flow", 21)
    assert cfg.expotion.prompt == "generic"  # no captions in the folder
    assert cfg.conditioners.visual.expotion_visual.face_dim == 317  # the conditioner follows
    assert read_extractor_record(cfg) == {"face": FACE, "motion": FLOW}  # what exports will record


def test_only_the_modalities_present_and_captions_give_generated_prompts(tmp_path):
    cfg = smoke_cfg()
    match_dataset(cfg, dataset(tmp_path, FLOW, captions=True))
    assert cfg.expotion.modalities == ["motion"] and cfg.expotion.face_extractor is None
    assert cfg.expotion.prompt == "generated"


@pytest.mark.parametrize("override, message", [
    (dict(face_dim=768), "set expotion.face_dim=317"),
    (dict(face_extractor="marlin"), "expotion.face_extractor=marlin, but .* has no 'marlin' features"),
    (dict(modalities=["face"], face_extractor=None), "set expotion.face_extractor=NAME"),
])
def test_contradictions_fail_naming_the_override(tmp_path, override, message):
    with pytest.raises(DataMismatchError, match=message):
        match_dataset(smoke_cfg(**override), dataset(tmp_path, FACE, FLOW))


def test_several_face_features_ask_for_a_choice(tmp_path):
    with pytest.raises(DataMismatchError, match=r"several face features .* expotion.face_extractor=NAME"):
        match_dataset(smoke_cfg(), dataset(tmp_path, FACE, MARLIN, FLOW))
    cfg = smoke_cfg(face_extractor="marlin")
    match_dataset(cfg, tmp_path)
    assert (cfg.expotion.face_extractor, cfg.expotion.face_dim) == ("marlin", 768)


def test_auto_without_data_or_record_fails_at_once(tmp_path):
    with pytest.raises(DataMismatchError, match="set expotion.data=DIR"):
        match_dataset(smoke_cfg(), None)
    with pytest.raises(DatasetRecordError, match="dataset.json: does not exist"):
        match_dataset(smoke_cfg(), tmp_path)
    cfg = smoke_cfg(modalities=["face"], face_extractor="marlin", face_dim=768, motion_extractor=None,
                    motion_dim=None, prompt="generic")
    match_dataset(cfg, None)  # nothing auto, no folder: the config is used as given
    assert cfg.expotion.face_dim == 768
