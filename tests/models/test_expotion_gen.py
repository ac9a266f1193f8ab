"""ExpotionGen: the whole MusicGen API, windows for long videos, exact lengths and alignment, visual
guidance, export and loading (tiny preset: real architecture, random weights, offline)."""

import numpy as np
import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.musicgen import MusicGen
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.data.feature_io import FeatureFile
from audiocraft_expotion.models.music import generate_music
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
    tiny.set_custom_progress_callback(None)


@pytest.fixture(scope="module")
def vanilla(tiny) -> MusicGen:
    """audiocraft's own MusicGen holding exactly the frozen weights of the tiny model."""
    lm = audiocraft_builders.get_lm_model(without_expotion(tiny.lm.cfg)).eval()
    lm.load_state_dict({k: v for k, v in tiny.lm.state_dict().items() if not tiny.lm.is_trainable(k)})
    musicgen = MusicGen(tiny.name, tiny.compression_model, lm, max_duration=30.)
    musicgen.set_generation_params(duration=1.0, use_sampling=False)
    return musicgen


def visual_attributes(model: ExpotionGen, descriptions, face=None, motion=None):
    """The conditioning attributes (text and visual condition) ``model`` generates from."""
    return model._prepare_tokens_and_attributes(descriptions, None, face=face, motion=motion)[0]


def features(seconds: float, fps: float, dim: int = 768, seed: int = 0) -> FeatureFile:
    gen = torch.Generator().manual_seed(seed)
    return FeatureFile(torch.randn(int(seconds * fps), dim, generator=gen).numpy(), fps)


def time_ramp(seconds: float, fps: float, dim: int = 768, start: float = 0.) -> FeatureFile:
    """Features whose every value is the frame's clip time in seconds (``start + i / fps``)."""
    frames = start + torch.arange(int(seconds * fps), dtype=torch.float32)[:, None] / fps
    return FeatureFile(frames.expand(-1, dim).numpy(), fps, start)


def open_gates(model: ExpotionGen, value: float = 1.) -> None:
    with torch.no_grad():
        model.lm.adaptor.gates.fill_(value)


def record_prefix_conditions(model: ExpotionGen, monkeypatch) -> list:
    """Record the ``(joint [B, T, d1 + d2], mask)`` condition each adaptor call receives."""
    seen = []
    sink = model.lm.fuser.prefix_sink

    def recording_sink(condition, start, length):
        if start == 0 and condition is not None:
            seen.append(condition)
        return sink(condition, start, length)
    monkeypatch.setattr(model.lm.fuser, "prefix_sink", recording_sink)
    return seen


def face_times(model: ExpotionGen, joint: torch.Tensor) -> torch.Tensor:
    """``[B, T]`` clip time carried by the face part of a joint embedding made from ramp features.

    Ramp features are ``t * 1`` so ``W_f`` maps them to ``t * W_f 1``: project back onto ``W_f 1``.
    """
    weight = model.lm.condition_provider.conditioners["visual"].projections["face"].weight
    direction = weight.sum(dim=1).double()
    face = joint[..., :weight.shape[0]].double()
    return face @ direction / direction.dot(direction)


# --- generation with a video ------------------------------------------------------------------------

def test_generate_with_video_follows_the_video_and_decodes_its_tokens(model):
    open_gates(model)
    audio, tokens = model.generate_with_video(DESCRIPTIONS, face=features(1, 5), motion=features(1, 24),
                                              return_tokens=True)
    assert tokens.shape == (2, model.lm.num_codebooks, 25) and audio.shape == (2, 1, model.sample_rate)
    assert tokens.min() >= 0 and tokens.max() < model.lm.card
    with torch.no_grad():
        torch.testing.assert_close(audio, model.compression_model.decode(tokens, None))
    again = model.generate_with_video(DESCRIPTIONS, face=features(1, 5), motion=features(1, 24), return_tokens=True)[1]
    other = model.generate_with_video(DESCRIPTIONS, face=features(1, 5, seed=1), motion=features(1, 24, seed=1),
                                      return_tokens=True)[1]
    assert torch.equal(again, tokens)  # greedy decoding is deterministic
    assert not torch.equal(other, tokens)  # ... and another video gives other music


def test_missing_modality_and_bad_features_give_clear_errors(model):
    with pytest.raises(ValueError, match="'motion' features"):
        model.generate_with_video(DESCRIPTIONS, face=features(1, 5))
    with pytest.raises(ValueError, match="width 256"):
        model.generate_with_video(DESCRIPTIONS, face=features(1, 5), motion=features(1, 5, dim=256))
    bad = features(1, 5)
    bad.features[2, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        model.generate_with_video(DESCRIPTIONS, face=bad, motion=features(1, 24))


# --- the whole MusicGen API (issue 10 item 6) ------------------------------------------------------------

def test_musicgen_api_without_a_video_is_exactly_the_frozen_musicgen(model, vanilla):
    """generate / generate_unconditional / generate_continuation crashed ('no attribute visual')."""
    open_gates(model)  # a trained adaptor: without a video it must still add nothing
    torch.manual_seed(3)
    prompt = torch.randn(2, 1, model.sample_rate // 5)
    ours = [model.generate(DESCRIPTIONS, return_tokens=True)[1],
            model.generate_unconditional(2, return_tokens=True)[1],
            model.generate_continuation(prompt, model.sample_rate, DESCRIPTIONS, return_tokens=True)[1]]
    theirs = [vanilla.generate(DESCRIPTIONS, return_tokens=True)[1],
              vanilla.generate_unconditional(2, return_tokens=True)[1],
              vanilla.generate_continuation(prompt, model.sample_rate, DESCRIPTIONS, return_tokens=True)[1]]
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b)


def test_every_generate_path_prepares_text_prompt_and_video_once(model, monkeypatch):
    """generate_with_video(prompt=...) (and so generate_continuation) ran audiocraft's
    _prepare_tokens_and_attributes twice: once for the prompt tokens, once for the attributes."""
    calls, encodes = [], []
    prepare, encode = MusicGen._prepare_tokens_and_attributes, model.compression_model.encode

    def counting_prepare(self, descriptions, prompt, melody_wavs=None):
        calls.append(prompt is not None)
        return prepare(self, descriptions, prompt, melody_wavs)

    def counting_encode(x):
        encodes.append(x.shape)
        return encode(x)
    monkeypatch.setattr(MusicGen, "_prepare_tokens_and_attributes", counting_prepare)
    monkeypatch.setattr(model.compression_model, "encode", counting_encode)
    model.set_generation_params(duration=0.2, use_sampling=False)
    prompt = torch.zeros(2, 1, model.sample_rate // 10)
    video = {"face": features(1, 5), "motion": features(1, 24)}
    paths = {"generate": lambda: model.generate(DESCRIPTIONS),
             "generate_unconditional": lambda: model.generate_unconditional(2),
             "generate_continuation": lambda: model.generate_continuation(prompt, model.sample_rate, DESCRIPTIONS),
             "generate_continuation video": lambda: model.generate_continuation(prompt, model.sample_rate,
                                                                                DESCRIPTIONS, **video),
             "generate_with_video": lambda: model.generate_with_video(DESCRIPTIONS, **video),
             "generate_with_video prompt": lambda: model.generate_with_video(
                 DESCRIPTIONS, prompt=prompt, prompt_sample_rate=model.sample_rate, **video)}
    for name, run in paths.items():
        calls.clear()
        encodes.clear()
        run()
        with_prompt = "continuation" in name or "prompt" in name
        assert calls == [with_prompt], name
        assert len(encodes) == int(with_prompt), name


def test_generate_continuation_accepts_a_video(model, vanilla):
    open_gates(model)
    torch.manual_seed(4)
    prompt = torch.randn(2, 1, model.sample_rate // 5)
    prompt_tokens = model.compression_model.encode(prompt)[0]
    audio, tokens = model.generate_continuation(prompt, model.sample_rate, DESCRIPTIONS, return_tokens=True,
                                                face=features(1, 5), motion=features(1, 24))
    assert tokens.shape[-1] == 25 and audio.shape[-1] == model.sample_rate
    assert torch.equal(tokens[..., :prompt_tokens.shape[-1]], prompt_tokens)  # the prompt is continued
    text_only = vanilla.generate_continuation(prompt, model.sample_rate, DESCRIPTIONS, return_tokens=True)[1]
    assert not torch.equal(tokens, text_only)  # the video is used


def test_top_k_larger_than_the_codebook_is_a_clear_error(model):
    with pytest.raises(ValueError, match=f"top_k={model.lm.card + 1}.*codebook"):
        model.set_generation_params(top_k=model.lm.card + 1)
    model.set_generation_params(top_k=model.lm.card)


# --- exact lengths and windows (issue 10 item 4) --------------------------------------------------------------

@pytest.mark.parametrize("stride", [0., -1., 0.5 / 25, 10., 12.])
def test_extend_stride_outside_one_frame_to_a_window_is_rejected(model, stride):
    """extend_stride=0 used to hang generation forever; a stride >= the window skips music."""
    with pytest.raises(ValueError, match="extend_stride"):
        model.set_generation_params(duration=23.0, extend_stride=stride)


def test_totals_windows_and_strides_round_to_the_nearest_frame(model):
    model.set_generation_params(duration=1.16, extend_stride=0.36)
    assert model.window_frames(1.16) == [(0, 29)]  # int(1.16 * 25) = 28 frames: 1.12 s of music
    short = ExpotionGen(model.name, model.compression_model, model.lm, max_duration=0.36)
    short.set_generation_params(duration=1.16, extend_stride=0.28)
    assert short.window_length == 9  # int(0.36 * 25) = 8
    starts = [start for start, _ in short.window_frames(1.16)]
    assert np.diff(starts).tolist() == [7] * (len(starts) - 1) and short.window_frames(1.16)[-1][1] == 29


def test_generated_wav_has_the_video_duration_in_samples(model):
    duration = 1.16
    wav = generate_music(model, "drums", {"face": features(2, 5), "motion": features(2, 24)}, duration,
                         progress=False)
    assert abs(wav.shape[-1] - round(duration * model.sample_rate)) <= 1


def test_window_never_exceeds_the_adaptor_max_frames(model, monkeypatch):
    """A base whose segments are longer than the adaptor's prefix (e.g. a 30 s hub MusicGen with a
    20 s adaptor) generates windows of the adaptor's ``max_frames``, not failing ones."""
    max_frames, fr = model.lm.adaptor.max_frames, model.frame_rate
    long_base = ExpotionGen(model.name, model.compression_model, model.lm, max_duration=2 * max_frames / fr)
    assert long_base.window_length == max_frames
    duration = 3.6 * max_frames / fr
    long_base.set_generation_params(duration=duration, use_sampling=False)
    assert all(end - start <= max_frames for start, end in long_base.window_frames(duration))
    seen = []

    def fake_generate(prompt, attributes, callback=None, max_gen_len=0, **kwargs):
        seen.append(int(attributes[0].visual["visual"].face.lengths[0]))
        start = 0 if prompt is None else prompt.shape[-1]
        new = torch.zeros(len(attributes), model.lm.num_codebooks, max_gen_len - start, dtype=torch.long)
        return new if prompt is None else torch.cat([prompt, new], dim=-1)
    monkeypatch.setattr(model.lm, "generate", fake_generate)
    tokens = long_base._generate_tokens(visual_attributes(long_base, DESCRIPTIONS[:1], time_ramp(duration, 5),
                                                            time_ramp(duration, 24)), None)
    assert tokens.shape[-1] == round(duration * fr) and max(seen) == max_frames


def test_windows_cover_the_duration_and_see_their_own_video_span(model, monkeypatch):
    model.set_generation_params(duration=23.0, extend_stride=5.0, use_sampling=False)
    windows = model.window_frames(23.0)
    fr = model.frame_rate
    assert windows[0][0] == 0 and windows[-1][1] == round(23.0 * fr)
    assert all(b[0] - a[0] == round(5.0 * fr) for a, b in zip(windows, windows[1:]))
    assert all(end - start <= model.window_length for start, end in windows)
    seen = []

    def fake_generate(prompt, attributes, callback=None, max_gen_len=0, **kwargs):
        seen.append((None if prompt is None else prompt.shape[-1], attributes))
        start = 0 if prompt is None else prompt.shape[-1]
        new = torch.zeros(len(attributes), model.lm.num_codebooks, max_gen_len - start, dtype=torch.long)
        return new if prompt is None else torch.cat([prompt, new], dim=-1)
    monkeypatch.setattr(model.lm, "generate", fake_generate)
    tokens = model._generate_tokens(visual_attributes(model, DESCRIPTIONS, time_ramp(23, 5), time_ramp(23, 24)), None)
    assert tokens.shape[-1] == round(23.0 * fr)
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
    short_window = ExpotionGen(model.name, model.compression_model, model.lm, max_duration=1.0)
    short_window.set_generation_params(duration=2.6, extend_stride=0.6, use_sampling=False)
    assert len(short_window.window_frames(2.6)) == 4
    audio, tokens = short_window.generate_with_video(DESCRIPTIONS[:1], face=features(3, 5), motion=features(3, 24),
                                                     return_tokens=True)
    assert tokens.shape[-1] == 65 and audio.shape[-1] == 65 * short_window.sample_rate // 25
    # The windows continue each other: regenerating the first window alone gives the same first 25 frames.
    short_window.set_generation_params(duration=1.0, extend_stride=0.6, use_sampling=False)
    first = short_window.generate_with_video(DESCRIPTIONS[:1], face=features(3, 5), motion=features(3, 24),
                                             return_tokens=True)[1]
    assert torch.equal(tokens[..., :25], first)


# --- alignment of the video with the music (issue 10 items 1, 3, 7) -----------------------------------------

def conditioned_times(model: ExpotionGen, monkeypatch, face: FeatureFile, duration: float):
    """Clip time read by each LM frame of each generation window (concatenated ``[frames]``), and the windows."""
    seen = record_prefix_conditions(model, monkeypatch)
    model.set_generation_params(duration=duration, use_sampling=False, extend_stride=model.max_duration / 2)
    windows = model.window_frames(duration)
    model.generate_with_video(DESCRIPTIONS[:1], face=face, motion=features(duration + 1, 24), return_tokens=True)
    assert len(seen) == len(windows)
    return torch.cat([face_times(model, joint)[0, :int(mask[0].sum())] for joint, mask in seen]), windows


def test_each_lm_frame_reads_the_video_at_its_own_time_and_shifts_are_detected(model, monkeypatch):
    """End to end (features -> windows -> conditioner -> adaptor): LM frame j of the window starting at
    frame s reads clip time (s + j) / frame_rate. A video shifted by one feature frame, or reversed, fails."""
    short_window = ExpotionGen(model.name, model.compression_model, model.lm, max_duration=1.0)
    fr = short_window.frame_rate

    def misalignment(face: FeatureFile) -> float:
        times, windows = conditioned_times(short_window, monkeypatch, face, 2.2)
        expected = torch.cat([torch.arange(start, end, dtype=torch.float64) / fr for start, end in windows])
        return (times - expected).abs().max().item()
    ramp = time_ramp(3, 10)
    assert misalignment(ramp) < 1e-4
    shifted = FeatureFile(ramp.features + 0.1, ramp.fps, ramp.start)  # the video one 10 fps frame late
    reversed_video = FeatureFile(ramp.features[::-1].copy(), ramp.fps, ramp.start)
    assert misalignment(shifted) > 0.09 and misalignment(reversed_video) > 1.


def test_feature_file_start_is_the_clip_time_of_its_first_frame(model, monkeypatch):
    """A file whose frame 0 is at 0.5 s was read 0.5 s late in generation (training honoured ``start``)."""
    late = time_ramp(2.5, 10, start=0.5)  # frames at 0.5 ... 2.9 s
    times, _ = conditioned_times(model, monkeypatch, late, 2.0)
    expected = (torch.arange(len(times), dtype=torch.float64) / model.frame_rate).clamp(min=0.5)
    torch.testing.assert_close(times, expected, atol=1e-4, rtol=0)


# --- guidance, export, loading -----------------------------------------------------------------------------------

def test_visual_guidance_zero_is_text_only_musicgen_and_nonzero_follows_video(model, vanilla):
    open_gates(model)
    face, motion = features(1, 5), features(1, 24)
    attributes = visual_attributes(model, DESCRIPTIONS, face, motion)
    text_only = [ConditioningAttributes(text={"description": d}) for d in DESCRIPTIONS]
    steps = 20
    with torch.no_grad():
        guided_zero = model.lm.generate(None, attributes, max_gen_len=steps, use_sampling=False, cfg_coef_visual=0.)
        reference = vanilla.lm.generate(None, text_only, max_gen_len=steps, use_sampling=False)
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
    attributes = visual_attributes(model, DESCRIPTIONS, features(1, 5), features(1, 24))
    with torch.no_grad():
        a = model.lm.compute_predictions(codes, attributes).logits
        b = loaded.lm.compute_predictions(codes, attributes).logits
    torch.testing.assert_close(a, b, equal_nan=True)
    assert not loaded.is_untrained


def test_audiocraft_own_loader_accepts_an_expotion_lm_checkpoint(model, tmp_path):
    """audiocraft.models.loaders.load_lm_model builds an ExpotionLM from an Expotion xp.cfg (inside the
    registry's scoped patch, as the solver uses it)."""
    from audiocraft.models import loaders
    from omegaconf import OmegaConf
    from audiocraft_expotion.models.lm import ExpotionLM
    from audiocraft_expotion.registry import expotion_lm_builder
    package = {"xp.cfg": OmegaConf.to_container(model.lm.cfg), "best_state": model.lm.state_dict()}
    torch.save(package, tmp_path / "state_dict.bin")
    with expotion_lm_builder():
        lm = loaders.load_lm_model(str(tmp_path), device="cpu")
    assert isinstance(lm, ExpotionLM)
    assert all(torch.equal(lm.state_dict()[k], v) for k, v in model.lm.state_dict().items())


def test_hub_model_offline_fails_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="facebook/musicgen-small.*tiny"):
        ExpotionGen.get_pretrained("small", device="cpu")
