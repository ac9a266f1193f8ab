"""ExpotionGen: MusicGen-style API, windows for long videos, visual guidance, export and loading."""
import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.data.feature_io import FeatureFile
from audiocraft_expotion.models.expotion_gen import ExpotionGen
from audiocraft_expotion.models.loaders import export_model, without_expotion

DESCRIPTIONS = ["energetic drums", "soft strings"]


@pytest.fixture(scope="module")
def tiny() -> ExpotionGen:
    torch.manual_seed(0)
    return ExpotionGen.get_pretrained("tiny", device="cpu")


@pytest.fixture
def model(tiny) -> ExpotionGen:
    """The tiny model with its freshly initialised adaptor restored and default test parameters."""
    fresh = {k: v.clone() for k, v in tiny.lm.trainable_state_dict().items()}
    tiny.set_generation_params(duration=1.0, use_sampling=False)
    yield tiny
    tiny.lm.load_state_dict(fresh, strict=False)


def features(seconds: float, fps: float, dim: int = 768, seed: int = 0) -> FeatureFile:
    gen = torch.Generator().manual_seed(seed)
    return FeatureFile(torch.randn(int(seconds * fps), dim, generator=gen).numpy(), fps)


def time_ramp(seconds: float, fps: float, dim: int = 768) -> FeatureFile:
    """Features whose every value is the frame's timestamp in seconds."""
    frames = torch.arange(int(seconds * fps), dtype=torch.float32)[:, None] / fps
    return FeatureFile(frames.expand(-1, dim).numpy(), fps)


def open_gates(model: ExpotionGen, value: float = 1.) -> None:
    with torch.no_grad():
        model.lm.adaptor.gates.fill_(value)


def test_generate_with_video_returns_audio_of_the_right_shape(model):
    assert model.is_untrained
    audio = model.generate_with_video(DESCRIPTIONS, face=features(1, 5), motion=features(1, 24))
    assert audio.shape == (2, 1, int(1.0 * model.sample_rate))
    assert torch.isfinite(audio).all()


def test_missing_modality_and_bad_features_give_clear_errors(model):
    with pytest.raises(ValueError, match="'motion' features"):
        model.generate_with_video(DESCRIPTIONS, face=features(1, 5))
    with pytest.raises(ValueError, match="width 256"):
        model.generate_with_video(DESCRIPTIONS, face=features(1, 5), motion=features(1, 5, dim=256))
    bad = features(1, 5)
    bad.features[2, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        model.generate_with_video(DESCRIPTIONS, face=bad, motion=features(1, 24))


def test_windows_cover_the_duration_and_see_their_own_video_span(model, monkeypatch):
    model.set_generation_params(duration=23.0, extend_stride=5.0, use_sampling=False)
    windows = model.window_frames(23.0)
    fr = model.frame_rate
    assert windows[0][0] == 0 and windows[-1][1] == int(23.0 * fr)
    assert all(b[0] - a[0] == int(5.0 * fr) for a, b in zip(windows, windows[1:]))
    assert all(end - start <= int(model.max_duration * fr) for start, end in windows)
    seen = []

    def fake_generate(prompt, attributes, callback=None, max_gen_len=0, **kwargs):
        seen.append((None if prompt is None else prompt.shape[-1], attributes))
        start = 0 if prompt is None else prompt.shape[-1]
        new = torch.zeros(len(attributes), model.lm.num_codebooks, max_gen_len - start, dtype=torch.long)
        return new if prompt is None else torch.cat([prompt, new], dim=-1)
    monkeypatch.setattr(model.lm, "generate", fake_generate)
    tokens = model._generate_tokens(model.visual_attributes(DESCRIPTIONS, time_ramp(23, 5), time_ramp(23, 24)), None)
    assert tokens.shape[-1] == int(23.0 * fr)
    assert len(seen) == len(windows)
    previous_end = None
    for (start, end), (prompt_len, attributes) in zip(windows, seen):
        assert prompt_len == (None if previous_end is None else previous_end - start)  # the overlap
        previous_end = end
        face = attributes[0].visual["visual"].face
        assert face.fps[0] == fr and int(face.lengths[0]) == end - start
        last_face_frame = (int(23 * 5) - 1) / 5  # interpolation holds the last 5 fps frame (22.8 s)
        expected = ((start + torch.arange(end - start, dtype=torch.float32)) / fr).clamp(max=last_face_frame)
        torch.testing.assert_close(face.features[0, :, 0], expected, atol=1e-5, rtol=0)


def test_long_video_generation_produces_the_full_duration(model):
    base = model
    short_window = ExpotionGen(base.name, base.compression_model, base.lm, max_duration=1.0)
    short_window.set_generation_params(duration=2.6, extend_stride=0.6, use_sampling=False)
    assert len(short_window.window_frames(2.6)) == 4
    audio = short_window.generate_with_video(DESCRIPTIONS[:1], face=features(3, 5), motion=features(3, 24))
    assert audio.shape[-1] == int(2.6 * short_window.frame_rate) * short_window.sample_rate // short_window.frame_rate


def test_visual_guidance_zero_is_text_only_musicgen_and_nonzero_follows_video(model):
    open_gates(model)
    vanilla = audiocraft_builders.get_lm_model(without_expotion(model.lm.cfg)).eval()
    vanilla.load_state_dict({k: v for k, v in model.lm.state_dict().items() if not model.lm.is_trainable(k)})
    face, motion = features(1, 5), features(1, 24)
    attributes = model.visual_attributes(DESCRIPTIONS, face, motion)
    text_only = [ConditioningAttributes(text={"description": d}) for d in DESCRIPTIONS]
    steps = 20
    with torch.no_grad():
        guided_zero = model.lm.generate(None, attributes, max_gen_len=steps, use_sampling=False, cfg_coef_visual=0.)
        reference = vanilla.generate(None, text_only, max_gen_len=steps, use_sampling=False)
        guided = model.lm.generate(None, attributes, max_gen_len=steps, use_sampling=False, cfg_coef_visual=6.)
    assert torch.equal(guided_zero, reference)
    assert not torch.equal(guided, reference)


def test_export_then_get_pretrained_reproduces_the_model(model, tmp_path):
    open_gates(model, 0.7)
    with torch.no_grad():
        model.lm.adaptor.h0.add_(0.1)
    export_model(tmp_path / "exported", model.lm, base="tiny")
    loaded = ExpotionGen.get_pretrained(str(tmp_path / "exported"), device="cpu")
    codes = torch.randint(0, model.lm.card, (2, model.lm.num_codebooks, 12))
    attributes = model.visual_attributes(DESCRIPTIONS, features(1, 5), features(1, 24))
    with torch.no_grad():
        a = model.lm.compute_predictions(codes, attributes).logits
        b = loaded.lm.compute_predictions(codes, attributes).logits
    torch.testing.assert_close(a, b, equal_nan=True)
    assert not loaded.is_untrained


def test_audiocraft_own_loader_accepts_an_expotion_lm_checkpoint(model, tmp_path):
    """audiocraft.models.loaders.load_lm_model builds an ExpotionLM from an Expotion xp.cfg."""
    from audiocraft.models import loaders
    from omegaconf import OmegaConf
    from audiocraft_expotion.models.lm import ExpotionLM
    package = {"xp.cfg": OmegaConf.to_container(model.lm.cfg), "best_state": model.lm.state_dict()}
    torch.save(package, tmp_path / "state_dict.bin")
    lm = loaders.load_lm_model(str(tmp_path), device="cpu")
    assert isinstance(lm, ExpotionLM)
    assert all(torch.equal(lm.state_dict()[k], v) for k, v in model.lm.state_dict().items())


def test_hub_model_offline_fails_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="facebook/musicgen-small.*tiny"):
        ExpotionGen.get_pretrained("small", device="cpu")
