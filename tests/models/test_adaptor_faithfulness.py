"""Faithfulness of the condition adaptor on MusicGen's real LM architecture (random weights, small shapes)."""
import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.lm import LMModel
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.models.lm import ExpotionLM
from audiocraft_expotion.models.loaders import build_lm, set_device, without_expotion
from audiocraft_expotion.resources import load_preset
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, with_visual

FRAME_RATE = 25  # the tiny preset's codec rate


@pytest.fixture(scope="module")
def models():
    """An ExpotionLM (tiny preset) and a vanilla LMModel holding exactly the same MusicGen weights."""
    torch.manual_seed(0)
    cfg = load_preset("tiny")
    set_device(cfg, "cpu")
    expotion = build_lm(cfg, FRAME_RATE).eval()
    vanilla = audiocraft_builders.get_lm_model(without_expotion(cfg)).eval()
    base_state = {k: v for k, v in expotion.state_dict().items() if not expotion.is_trainable(k)}
    vanilla.load_state_dict(base_state, strict=True)
    return expotion, vanilla


def visual(seconds: float = 2.0, seed: int = 0) -> VisualCondition:
    gen = torch.Generator().manual_seed(seed)
    face = torch.randn(int(5 * seconds), 768, generator=gen)  # MARLIN-like, 5 fps
    motion = torch.randn(int(24 * seconds), 768, generator=gen)  # Synchformer-like, 24 fps
    return VisualCondition(face=FeatureSequence.single(face, 5.), motion=FeatureSequence.single(motion, 24.))


def attributes(texts, condition: VisualCondition):
    return [with_visual(ConditioningAttributes(text={"description": t}), "visual", condition) for t in texts]


TEXTS = ["upbeat jazz with drums", "calm piano"]


def random_codes(model: LMModel, steps: int, seed: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, model.card, (len(TEXTS), model.num_codebooks, steps), generator=gen)


def set_gates(model: ExpotionLM, value: float) -> None:
    with torch.no_grad():
        model.adaptor.gates.fill_(value)


def test_gates_zero_at_init_and_only_adaptor_trains(models):
    expotion, _ = models
    assert torch.equal(expotion.adaptor.gates, torch.zeros_like(expotion.adaptor.gates))
    trainable = {n for n, p in expotion.named_parameters() if p.requires_grad}
    assert trainable == {n for n, _ in expotion.named_parameters() if expotion.is_trainable(n)}
    assert all(n.startswith(("adaptor.", "condition_provider.conditioners.visual.")) for n in trainable)
    assert "adaptor.gates" in trainable and "adaptor.h0" in trainable
    counts = expotion.parameter_counts()
    assert 0 < counts["trainable"] < counts["total"]
    print(f"tiny preset: {counts['trainable']} trainable of {counts['total']} "
          f"({counts['trainable_percent']:.2f} %)")


def test_gate_zero_predictions_equal_vanilla_musicgen(models):
    expotion, vanilla = models
    set_gates(expotion, 0.)
    codes = random_codes(vanilla, 30)
    with torch.no_grad():
        ours = expotion.compute_predictions(codes, attributes(TEXTS, visual()))
        theirs = vanilla.compute_predictions(codes, [ConditioningAttributes(text={"description": t}) for t in TEXTS])
    assert torch.equal(ours.mask, theirs.mask)
    torch.testing.assert_close(ours.logits[ours.mask], theirs.logits[theirs.mask], rtol=1e-5, atol=1e-5)


def test_gate_zero_greedy_generation_equals_vanilla(models):
    expotion, vanilla = models
    set_gates(expotion, 0.)
    with torch.no_grad():
        ours = expotion.generate(None, attributes(TEXTS, visual()), max_gen_len=12, use_sampling=False)
        theirs = vanilla.generate(None, [ConditioningAttributes(text={"description": t}) for t in TEXTS],
                                  max_gen_len=12, use_sampling=False)
    assert torch.equal(ours, theirs)


def test_nonzero_gates_make_output_depend_on_the_video(models):
    expotion, _ = models
    set_gates(expotion, 1.)
    codes = random_codes(expotion, 30)
    with torch.no_grad():
        first = expotion.compute_predictions(codes, attributes(TEXTS, visual(seed=0))).logits
        second = expotion.compute_predictions(codes, attributes(TEXTS, visual(seed=1))).logits
    valid = ~torch.isnan(first)
    assert (first[valid] - second[valid]).abs().max() > 1e-3


def test_changing_the_video_at_time_t_changes_logits_at_t(models):
    expotion, _ = models
    set_gates(expotion, 1.)
    codes = random_codes(expotion, 40)
    base = visual(seconds=2.0)
    changed_face = base.face.features.clone()
    t_seconds = 1.0
    changed_face[0, int(t_seconds * 5)] += 5.  # one face frame at t = 1 s
    changed = VisualCondition(face=FeatureSequence(changed_face, base.face.lengths, base.face.fps), motion=base.motion)
    with torch.no_grad():
        ref = expotion.compute_predictions(codes, attributes(TEXTS, base)).logits
        new = expotion.compute_predictions(codes, attributes(TEXTS, changed)).logits
    step = int(t_seconds * FRAME_RATE)
    diff_at_t = (ref[:, 0, step] - new[:, 0, step]).abs().max()  # codebook 0 has no delay
    assert diff_at_t > 1e-4


def test_prefix_never_attends_to_audio_tokens(models):
    """The prefix keys/values of every layer are the same whatever the audio codes are."""
    expotion, _ = models
    set_gates(expotion, 1.)
    condition = attributes(TEXTS, visual())
    snapshots = []
    for seed in (1, 2):
        with torch.no_grad():
            expotion.compute_predictions(random_codes(expotion, 30, seed=seed), condition)
        snapshots.append([(layer.visual_branch.k.clone(), layer.visual_branch.v.clone())
                          for layer in expotion.adaptor._layers])
    for (k1, v1), (k2, v2) in zip(*snapshots):
        assert torch.equal(k1, k2) and torch.equal(v1, v2)


def test_audio_stream_stays_causal(models):
    """Changing the audio codes at step t leaves every logit before t unchanged (with the adaptor on)."""
    expotion, _ = models
    set_gates(expotion, 1.)
    codes = random_codes(expotion, 30)
    altered = codes.clone()
    altered[:, :, 20:] = (altered[:, :, 20:] + 1) % expotion.card
    condition = attributes(TEXTS, visual())
    with torch.no_grad():
        a = expotion.compute_predictions(codes, condition).logits
        b = expotion.compute_predictions(altered, condition).logits
    torch.testing.assert_close(a[:, 0, :20], b[:, 0, :20])
    assert (a[:, 0, 21:] - b[:, 0, 21:]).abs().max() > 1e-4


@pytest.mark.parametrize("video_seconds", [2.0, 0.4])
def test_streaming_generation_matches_full_forward(models, video_seconds):
    """Greedy tokens from the KV-cached streaming loop are the argmax of the full (teacher-forced) forward:
    step t used the prefix query of step t; steps past the end of a short video work too."""
    expotion, _ = models
    set_gates(expotion, 1.)
    condition = attributes(TEXTS, visual(seconds=video_seconds))
    steps = 40
    with torch.no_grad():
        tokens = expotion.generate(None, condition, max_gen_len=steps, use_sampling=False, cfg_coef=1.)
        logits = expotion.compute_predictions(tokens, condition).logits  # [B, K, T, card]
    greedy = logits.argmax(dim=-1)
    valid = ~torch.isnan(logits[..., 0])
    assert valid.sum() > 0
    assert torch.equal(greedy[valid], tokens[valid])


def test_null_visual_condition_is_vanilla_musicgen(models):
    """An item without visual frames gets no adaptor contribution, even with open gates."""
    expotion, vanilla = models
    set_gates(expotion, 1.)
    from audiocraft_expotion.modules.conditions import nullify_visual
    codes = random_codes(vanilla, 30)
    with torch.no_grad():
        ours = expotion.compute_predictions(codes, attributes(TEXTS, nullify_visual(visual()))).logits
        theirs = vanilla.compute_predictions(codes, [ConditioningAttributes(text={"description": t})
                                                     for t in TEXTS]).logits
    valid = ~torch.isnan(theirs)
    torch.testing.assert_close(ours[valid], theirs[valid], rtol=1e-5, atol=1e-5)


def test_gradients_reach_only_adaptor_parameters(models):
    expotion, _ = models
    set_gates(expotion, 0.)
    expotion.train()
    try:
        codes = random_codes(expotion, 20)
        out = expotion.compute_predictions(codes, attributes(TEXTS, visual()))
        logits = out.logits[out.mask]
        targets = codes[out.mask]
        torch.nn.functional.cross_entropy(logits, targets).backward()
    finally:
        expotion.eval()
    grads = {n: p.grad for n, p in expotion.named_parameters() if p.grad is not None}
    assert "adaptor.gates" in grads and grads["adaptor.gates"].abs().sum() > 0
    assert all(expotion.is_trainable(n) for n in grads)
    expotion.zero_grad(set_to_none=True)


def test_streaming_step_t_uses_prefix_query_t(models, monkeypatch):
    """Each streaming call attaches exactly the prefix query rows of its own steps: 0, 1, 2, ..."""
    expotion, _ = models
    set_gates(expotion, 1.)
    steps = []
    attach = expotion.adaptor.attach

    def recording_attach(condition, start, length):
        attach(condition, start, length)
        queries, _ = expotion.adaptor._streaming_state["prefix"]
        for index, layer in enumerate(expotion.adaptor._layers):
            offset = layer.visual_branch.query_offset
            assert offset.shape[2] == length == 1
            assert torch.equal(offset[:, :, 0], queries[index][:, :, start])
        steps.append(start)
    monkeypatch.setattr(expotion.fuser, "prefix_sink", recording_attach)
    with torch.no_grad():
        expotion.generate(None, attributes(TEXTS, visual()), max_gen_len=6, use_sampling=False)
    assert steps == list(range(len(steps))) and len(steps) >= 6


def test_visual_dropout_nulls_the_video_only_in_training(models):
    from audiocraft_expotion.models.lm import VisualDropout
    expotion, _ = models
    assert any(isinstance(m, VisualDropout) for m in expotion.att_dropout)
    samples = attributes(TEXTS, visual())
    dropout = VisualDropout(p=1., condition="visual").train()
    dropped = dropout(samples)
    assert all(int(s.visual["visual"].face.lengths.sum()) == 0 for s in dropped)
    assert all(s.text == o.text for s, o in zip(dropped, samples))
    assert all(int(s.visual["visual"].face.lengths.sum()) > 0 for s in samples)  # inputs untouched
    assert dropout.eval()(samples) is samples
    assert VisualDropout(p=0., condition="visual").train()(samples) is samples
