"""The one scoped patch: inside ``expotion_lm_builder()`` audiocraft builds Expotion LMs, outside it is untouched."""
import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.lm import LMModel
from audiocraft.modules.conditioners import ConditioningProvider

from audiocraft_expotion.models.lm import ExpotionLM
from audiocraft_expotion.models.loaders import set_device, without_expotion
from audiocraft_expotion.modules.visual_conditioner import VisualConditioningProvider
from audiocraft_expotion.registry import expotion_lm_builder
from audiocraft_expotion.resources import load_preset


@pytest.fixture
def configs():
    cfg = load_preset("tiny")
    set_device(cfg, "cpu")
    cfg.conditioners.visual.expotion_visual.frame_rate = 25
    return cfg, without_expotion(cfg)


def test_patch_lives_only_inside_the_block(configs):
    expotion_cfg, _ = configs
    original = audiocraft_builders.get_lm_model
    with expotion_lm_builder():
        patched = audiocraft_builders.get_lm_model
        assert patched is not original
        with expotion_lm_builder():  # re-entrant: an inner block changes nothing
            assert audiocraft_builders.get_lm_model is patched
        assert audiocraft_builders.get_lm_model is patched
        lm = audiocraft_builders.get_lm_model(expotion_cfg)
        assert isinstance(lm, ExpotionLM) and isinstance(lm.condition_provider, VisualConditioningProvider)
    assert audiocraft_builders.get_lm_model is original
    with pytest.raises(KeyError, match="expotion_lm"):
        audiocraft_builders.get_lm_model(expotion_cfg)


def test_patch_is_undone_when_the_block_raises(configs):
    original = audiocraft_builders.get_lm_model
    with pytest.raises(RuntimeError, match="boom"):
        with expotion_lm_builder():
            raise RuntimeError("boom")
    assert audiocraft_builders.get_lm_model is original


def test_vanilla_config_is_audiocrafts_own_inside_the_block(configs):
    _, vanilla_cfg = configs
    torch.manual_seed(0)
    with expotion_lm_builder():
        inside = audiocraft_builders.get_lm_model(vanilla_cfg)
    torch.manual_seed(0)
    outside = audiocraft_builders.get_lm_model(vanilla_cfg)
    assert type(inside) is LMModel and type(outside) is LMModel
    assert type(inside.condition_provider) is ConditioningProvider
    state_a, state_b = inside.state_dict(), outside.state_dict()
    assert state_a.keys() == state_b.keys() and all(torch.equal(state_a[k], state_b[k]) for k in state_a)
