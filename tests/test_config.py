"""One source of truth for config: presets composed by Hydra from the config tree, max_frames derived
from the LM's segment, and the tiny preset's codec built once (k-means cached), bit-identical."""
import torch
from audiocraft.models import builders as audiocraft_builders
from omegaconf import OmegaConf

from audiocraft_expotion.models.expotion_gen import ExpotionGen
from audiocraft_expotion.models.loaders import (PRESET_SEED, VisualSpec, build_lm, debug_codec, set_device,
                                                with_expotion, without_expotion)
from audiocraft_expotion.resources import compose, load_preset


def test_presets_take_the_lm_shape_from_the_config_tree():
    lm_tree = OmegaConf.to_container(compose("model/lm/expotion"), resolve=True)
    tiny = OmegaConf.to_container(load_preset("tiny"), resolve=True)
    small = OmegaConf.to_container(load_preset("musicgen_small_shape"), resolve=True)
    for preset in (tiny, small):
        for key in ("codebooks_pattern", "classifier_free_guidance", "adaptor"):
            assert preset[key] == lm_tree[key]
        sizes = ("dim", "num_heads", "num_layers", "card")
        shared = {k: v for k, v in lm_tree["transformer_lm"].items() if k not in sizes}
        assert {k: preset["transformer_lm"][k] for k in shared} == shared
    assert small["transformer_lm"]["dim"] == lm_tree["transformer_lm"]["dim"] == 1024  # model_scale small
    assert [tiny["transformer_lm"][k] for k in ("dim", "num_layers", "card")] == [64, 4, 400]
    visual = compose("conditioner/expotion/face_motion").conditioners.visual.expotion_visual
    assert tiny["conditioners"]["visual"]["expotion_visual"]["face_rank"] == visual.face_rank == 12


def test_fresh_adaptor_on_a_30s_musicgen_takes_30s_windows():
    musicgen = without_expotion(load_preset("tiny"))  # a MusicGen LM config, as in a hub checkpoint's xp.cfg
    musicgen.dataset.segment_duration = 30
    cfg = with_expotion(musicgen, VisualSpec())
    set_device(cfg, "cpu")
    assert cfg.adaptor.max_frames is None  # from the config tree: derived when the model is built
    assert build_lm(cfg.copy(), frame_rate=50).adaptor.max_frames == 1500  # 30 s at EnCodec's 50 Hz
    lm = build_lm(cfg, frame_rate=25)
    model = ExpotionGen("musicgen-30s", debug_codec("cpu"), lm, max_duration=30)
    assert lm.adaptor.max_frames == 750 and model.window_length == 750  # 30 s windows at 25 Hz


def test_debug_codec_cache_is_audiocrafts_seeded_codec(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPOTION_CACHE", str(tmp_path))
    first, cached = debug_codec("cpu"), debug_codec("cpu")  # builds (k-means) and caches, then loads the cache
    assert len(list(tmp_path.glob("debug_32khz_*.pt"))) == 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(PRESET_SEED)
        reference = audiocraft_builders.get_debug_compression_model("cpu", sample_rate=32000)
    for model in (first, cached):
        state, expected = model.state_dict(), reference.state_dict()
        assert state.keys() == expected.keys() and all(torch.equal(state[k], expected[k]) for k in expected)
    audio = torch.randn(1, 1, 3200)
    with torch.no_grad():
        assert torch.equal(cached.decode(cached.encode(audio)[0]), reference.decode(reference.encode(audio)[0]))
    next(tmp_path.glob("*.pt")).write_bytes(b"broken")
    assert torch.equal(debug_codec("cpu").state_dict()["quantizer.vq.layers.0._codebook.embed"],
                       reference.state_dict()["quantizer.vq.layers.0._codebook.embed"])  # a broken cache is rebuilt
