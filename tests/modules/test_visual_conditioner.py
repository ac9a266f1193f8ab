"""The visual joint-embedding conditioner: temporal smoothing, low-rank projections, validation."""
import pytest
import torch

from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, collate_visual, nullify_visual
from audiocraft_expotion.modules.visual_conditioner import VisualConditioner


def seq(frames: int, fps: float, dim: int = 768, value: float = None) -> FeatureSequence:
    x = torch.randn(frames, dim) if value is None else torch.full((frames, dim), value)
    return FeatureSequence.single(x, fps)


def test_output_is_at_lm_rate_and_joint_width():
    conditioner = VisualConditioner(modalities=["face", "motion"], motion_dim=256, frame_rate=50)
    embeds, mask = conditioner(VisualCondition(face=seq(50, 5.), motion=seq(50, 5., dim=256)))  # 10 s
    assert embeds.shape == (1, 500, 24) and mask.shape == (1, 500) and bool(mask.all())


def test_projection_is_applied_to_the_interpolated_features():
    """Eq. (1) then eq. (2): z'_t = W_f ((1 - a) z_i + a z_{i+1})."""
    conditioner = VisualConditioner(modalities=["face"], frame_rate=50)
    face = torch.randn(3, 768)
    embeds, _ = conditioner(VisualCondition(face=FeatureSequence.single(face, 5.)))
    w = conditioner.projections["face"].weight
    # output frame 3 at 50 Hz is source index 0.3: 0.7 * z0 + 0.3 * z1
    expected = (0.7 * face[0] + 0.3 * face[1]) @ w.T
    torch.testing.assert_close(embeds[0, 3], expected, rtol=1e-5, atol=1e-5)
    assert embeds.shape == (1, 30, 12)


@pytest.mark.parametrize("modalities,width", [(["face"], 12), (["motion"], 12), (["face", "motion"], 24)])
def test_modalities_are_config_choices(modalities, width):
    conditioner = VisualConditioner(modalities=modalities)
    embeds, _ = conditioner(VisualCondition(face=seq(10, 5.), motion=seq(10, 5.)))
    assert embeds.shape[-1] == width == conditioner.joint_dim


def test_batch_of_different_lengths_and_rates_is_masked():
    conditioner = VisualConditioner(modalities=["face"], frame_rate=50)
    batch = collate_visual([VisualCondition(face=seq(10, 5.)), VisualCondition(face=seq(40, 40.))])  # 2 s, 1 s
    embeds, mask = conditioner(batch)
    assert mask.sum(dim=1).tolist() == [100, 50]
    assert embeds[1, 50:].abs().sum() == 0


def test_null_condition_has_an_empty_mask():
    conditioner = VisualConditioner(modalities=["face", "motion"])
    embeds, mask = conditioner(nullify_visual(VisualCondition(face=seq(10, 5.), motion=seq(10, 5.))))
    assert mask.sum() == 0 and embeds.abs().sum() == 0


def test_bad_inputs_give_clear_errors():
    conditioner = VisualConditioner(modalities=["face", "motion"], motion_dim=256)
    with pytest.raises(ValueError, match="'motion' features but the condition has none"):
        conditioner(VisualCondition(face=seq(10, 5.)))
    with pytest.raises(ValueError, match="width 768, the model expects 256"):
        conditioner(VisualCondition(face=seq(10, 5.), motion=seq(10, 5.)))
    with pytest.raises(ValueError, match="NaN/inf"):
        conditioner(VisualCondition(face=seq(10, 5., value=float("inf")), motion=seq(10, 5., dim=256)))
    with pytest.raises(ValueError, match="modalities"):
        VisualConditioner(modalities=["audio"])
