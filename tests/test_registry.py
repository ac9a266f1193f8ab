"""The registration seam: Expotion configs go to our builders, everything else is audiocraft's own."""
import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.lm import LMModel
from audiocraft.modules.conditioners import ConditioningProvider
from audiocraft import solvers

from audiocraft_expotion import registry
from audiocraft_expotion.models.lm import ExpotionLM
from audiocraft_expotion.models.loaders import set_device, without_expotion
from audiocraft_expotion.modules.visual_conditioner import VisualConditioningProvider
from audiocraft_expotion.resources import load_preset


@pytest.fixture
def configs():
    cfg = load_preset("tiny")
    set_device(cfg, "cpu")
    return cfg, without_expotion(cfg)


@pytest.fixture(autouse=True)
def registered():
    registry.register()
    yield
    registry.register()


def test_register_is_idempotent_and_reversible():
    wrapped = audiocraft_builders.get_lm_model
    registry.register()
    assert audiocraft_builders.get_lm_model is wrapped and solvers.get_solver is solvers.builders.get_solver
    registry.unregister()
    assert not registry.is_registered()
    assert audiocraft_builders.get_lm_model is not wrapped
    assert audiocraft_builders.get_lm_model.__module__ == "audiocraft.models.builders"
    assert solvers.get_solver.__module__ == "audiocraft.solvers.builders"


def test_expotion_config_builds_expotion_lm_only_when_registered(configs):
    expotion_cfg, _ = configs
    lm = audiocraft_builders.get_lm_model(expotion_cfg)
    assert isinstance(lm, ExpotionLM)
    assert isinstance(lm.condition_provider, VisualConditioningProvider)
    registry.unregister()
    with pytest.raises(KeyError, match="expotion_lm"):
        audiocraft_builders.get_lm_model(expotion_cfg)


def test_vanilla_config_is_untouched_by_registration(configs):
    _, vanilla_cfg = configs
    torch.manual_seed(0)
    with_plugin = audiocraft_builders.get_lm_model(vanilla_cfg)
    registry.unregister()
    torch.manual_seed(0)
    without_plugin = audiocraft_builders.get_lm_model(vanilla_cfg)
    assert type(with_plugin) is LMModel and type(without_plugin) is LMModel
    assert type(with_plugin.condition_provider) is ConditioningProvider
    assert type(with_plugin.fuser) is type(without_plugin.fuser)
    state_a, state_b = with_plugin.state_dict(), without_plugin.state_dict()
    assert state_a.keys() == state_b.keys() and all(torch.equal(state_a[k], state_b[k]) for k in state_a)


def test_unknown_solver_still_reaches_audiocraft():
    from omegaconf import OmegaConf
    with pytest.raises(KeyError, match="no_such_solver"):
        solvers.get_solver(OmegaConf.create({"solver": "no_such_solver"}))
