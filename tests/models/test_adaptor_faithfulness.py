"""Faithfulness of the condition adaptor on MusicGen's real LM architecture (random weights, small shapes)."""
import copy
import math

import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.lm import LMModel
from audiocraft.modules.conditioners import ConditioningAttributes

from audiocraft_expotion.models.lm import ExpotionLM
from audiocraft_expotion.models.loaders import build_lm, load_fresh, set_device, without_expotion
from audiocraft_expotion.resources import load_preset
from audiocraft_expotion.modules.conditions import FeatureSequence, VisualCondition, nullify_visual, with_visual

from reference_adaptor import reference_adaptor  # tests/models is on sys.path (rootdir-less test dirs)

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


def paper_parameters(model: ExpotionLM) -> dict:
    """The paper's trainable tensors (§3.1-3.2) by state-dict name, with their shapes."""
    adaptor, L = model.adaptor, model.adaptor.num_layers
    frames, d, joint = adaptor.max_frames, model.dim, 24
    names = {"adaptor.h0": (frames, d),  # H^p_0
             "adaptor.pos_emb": (L, frames, joint),  # z_pos, per layer
             "adaptor.gates": (L,),  # g_l
             "condition_provider.conditioners.visual.projections.face.weight": (12, 768),  # W_f
             "condition_provider.conditioners.visual.projections.motion.weight": (12, 768)}  # W_m
    names.update({f"adaptor.joint_proj.{layer}.weight": (d, joint) for layer in range(L)})  # W_e,l
    return names


def test_trainable_parameters_are_exactly_the_papers(models):
    expotion, _ = models
    assert torch.equal(expotion.adaptor.gates, torch.zeros_like(expotion.adaptor.gates))
    trainable = {n: tuple(p.shape) for n, p in expotion.named_parameters() if p.requires_grad}
    expected = paper_parameters(expotion)
    assert trainable == expected and len(trainable) == 5 + expotion.adaptor.num_layers == 9
    counts = expotion.parameter_counts()
    assert counts["trainable"] == sum(math.prod(shape) for shape in expected.values())
    assert set(expotion.trainable_state_dict()) == set(expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_gate_zero_predictions_equal_vanilla_musicgen_bit_exactly(models, dtype):
    """At gate 0 the adaptor's branch is computed (the fused output projection) yet adds exactly nothing;
    a model cast to bf16 / fp16 runs without autocast (features follow the model's dtype)."""
    expotion, vanilla = (copy.deepcopy(m).to(dtype) for m in models)
    set_gates(expotion, 0.)
    codes = random_codes(vanilla, 30)
    with torch.no_grad():
        ours = expotion.compute_predictions(codes, attributes(TEXTS, visual()))
        theirs = vanilla.compute_predictions(codes, [ConditioningAttributes(text={"description": t}) for t in TEXTS])
    assert ours.logits.dtype == dtype
    assert torch.equal(ours.mask, theirs.mask)
    assert torch.equal(ours.logits[ours.mask], theirs.logits[theirs.mask])


@pytest.mark.parametrize("device", ["cpu:0", torch.device("cpu", 0)])
def test_any_cpu_spelling_builds_float32(device):
    lm, _ = load_fresh("tiny", device)
    assert {p.dtype for p in lm.parameters()} == {torch.float32}
    with torch.no_grad():
        lm.compute_predictions(random_codes(lm, 10), attributes(TEXTS, visual()))


def test_gate_zero_greedy_generation_equals_vanilla(models):
    expotion, vanilla = models
    set_gates(expotion, 0.)
    with torch.no_grad():
        ours = expotion.generate(None, attributes(TEXTS, visual()), max_gen_len=12, use_sampling=False)
        theirs = vanilla.generate(None, [ConditioningAttributes(text={"description": t}) for t in TEXTS],
                                  max_gen_len=12, use_sampling=False)
    assert torch.equal(ours, theirs)


def test_matches_the_reference_equations(models):
    """The fused adaptor (shared query, one output projection, per-window prefix, CFG rows sharing one prefix)
    computes the paper's equations as written plainly in tests/models/reference_adaptor.py."""
    expotion, _ = models
    set_gates(expotion, 0.7)
    codes = random_codes(expotion, 30)
    condition = attributes(TEXTS, visual())
    with torch.no_grad():
        ours = expotion.compute_predictions(codes, condition).logits
        with reference_adaptor(expotion):
            reference = expotion.compute_predictions(codes, condition).logits
    valid = ~torch.isnan(reference)
    assert (ours[valid] - reference[valid]).abs().max() <= 1e-5
    prompt = random_codes(expotion, 6)  # the first streaming call then runs 6 steps at once
    for options in ({}, {"cfg_coef_visual": 2.}, {"prompt": prompt}):
        options = {"prompt": None, **options}
        with torch.no_grad():
            tokens = expotion.generate(conditions=condition, max_gen_len=40, use_sampling=False, **options)
            with reference_adaptor(expotion):
                expected = expotion.generate(conditions=condition, max_gen_len=40, use_sampling=False, **options)
        assert torch.equal(tokens, expected)


def test_an_item_does_not_depend_on_its_batch_mates(models):
    """Alone vs batched with a longer video: same logits (padded prefix positions are masked in the prefix
    self-attention and in the audio's attention, Q^p = 0 past the item's own end) and same greedy tokens."""
    expotion, _ = models
    set_gates(expotion, 1.)
    short, long = visual(seconds=1.2, seed=3), visual(seconds=2.0, seed=4)
    alone = attributes(TEXTS[:1], short)
    batched = alone + attributes(TEXTS[1:], long)
    codes = random_codes(expotion, 40)
    with torch.no_grad():
        single = expotion.compute_predictions(codes[:1], alone).logits
        pair = expotion.compute_predictions(codes, batched).logits[:1]
        valid = ~torch.isnan(single)
        assert (single[valid] - pair[valid]).abs().max() <= 1e-5
        single_tokens = expotion.generate(None, alone, max_gen_len=50, use_sampling=False)
        pair_tokens = expotion.generate(None, batched, max_gen_len=50, use_sampling=False)
    assert torch.equal(single_tokens[0], pair_tokens[0])


def test_prefix_is_computed_once_per_window_and_distinct_video(models, monkeypatch):
    """CFG rows [cond; null] carry the same video: one prefix row per video, computed once per generation."""
    expotion, _ = models
    set_gates(expotion, 1.)
    rows = []
    stream = expotion.adaptor.prefix_stream

    def recording_stream(joint, mask):
        rows.append(joint.shape[0])
        return stream(joint, mask)
    monkeypatch.setattr(expotion.adaptor, "prefix_stream", recording_stream)
    with torch.no_grad():
        expotion.generate(None, attributes(TEXTS, visual()), max_gen_len=8, use_sampling=False)
        assert rows == [1]  # 2 texts x CFG = 4 rows, one video
        expotion.generate(None, attributes(TEXTS[:1], visual(seed=1)) + attributes(TEXTS[1:], visual(seed=2)),
                          max_gen_len=8, use_sampling=False, cfg_coef_visual=2.)
        assert rows == [1, 2]  # 2 videos; the two null-visual branches need no prefix


def test_nonzero_gates_make_output_depend_on_the_video(models):
    expotion, _ = models
    set_gates(expotion, 1.)
    codes = random_codes(expotion, 30)
    with torch.no_grad():
        first = expotion.compute_predictions(codes, attributes(TEXTS, visual(seed=0))).logits
        second = expotion.compute_predictions(codes, attributes(TEXTS, visual(seed=1))).logits
    valid = ~torch.isnan(first)
    assert (first[valid] - second[valid]).abs().max() > 1e-3


def test_prefix_never_attends_to_audio_tokens(models, monkeypatch):
    """The prefix keys/values of every layer are the same whatever the audio codes are."""
    expotion, _ = models
    set_gates(expotion, 1.)
    condition = attributes(TEXTS, visual())
    snapshots = []
    stream = expotion.adaptor.prefix_stream

    def recording_stream(joint, mask):
        outputs = stream(joint, mask)
        snapshots.append([(k.clone(), v.clone()) for _, k, v in outputs])
        return outputs
    monkeypatch.setattr(expotion.adaptor, "prefix_stream", recording_stream)
    for seed in (1, 2):
        with torch.no_grad():
            expotion.compute_predictions(random_codes(expotion, 30, seed=seed), condition)
    assert len(snapshots) == 2
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
    codes = random_codes(vanilla, 30)
    with torch.no_grad():
        ours = expotion.compute_predictions(codes, attributes(TEXTS, nullify_visual(visual()))).logits
        theirs = vanilla.compute_predictions(codes, [ConditioningAttributes(text={"description": t})
                                                     for t in TEXTS]).logits
    valid = ~torch.isnan(theirs)
    assert torch.equal(ours[valid], theirs[valid])


def test_every_trainable_tensor_gets_a_gradient_and_only_those(models):
    """At non-zero gates, the loss reaches H0, z_pos, every W_e,l, every g_l, W_f and W_m."""
    expotion, _ = models
    set_gates(expotion, 0.5)
    expotion.train()
    try:
        codes = random_codes(expotion, 20)
        out = expotion.compute_predictions(codes, attributes(TEXTS, visual()))
        torch.nn.functional.cross_entropy(out.logits[out.mask], codes[out.mask]).backward()
    finally:
        expotion.eval()
    grads = {n: p.grad for n, p in expotion.named_parameters() if p.grad is not None}
    expotion.zero_grad(set_to_none=True)
    assert set(grads) == set(paper_parameters(expotion))
    assert all(bool((grad != 0).any()) for grad in grads.values()), [n for n, g in grads.items() if not g.any()]
    assert bool((grads["adaptor.gates"] != 0).all())
    prefix = 2 * FRAME_RATE  # a 2 s video: prefix rows past it are unused
    assert bool((grads["adaptor.h0"][:prefix] != 0).all(dim=1).all()) and not grads["adaptor.h0"][prefix:].any()


def test_streaming_calls_get_consecutive_python_int_steps(models, monkeypatch):
    """Each streaming call gets the absolute index of its first step as a Python int (no device sync)."""
    expotion, _ = models
    set_gates(expotion, 1.)
    starts = []
    attach = expotion.adaptor.attach

    def recording_attach(condition, start, length):
        attach(condition, start, length)
        assert type(start) is int and length == 1 and expotion.adaptor.current[1] == start
        starts.append(start)
    monkeypatch.setattr(expotion.fuser, "prefix_sink", recording_attach)
    with torch.no_grad():
        expotion.generate(None, attributes(TEXTS, visual()), max_gen_len=6, use_sampling=False)
    assert starts == list(range(len(starts))) and len(starts) >= 6


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


@pytest.mark.parametrize("options,problem", [({"memory_efficient": False}, "memory-efficient"),
                                             ({"memory_efficient": True, "bias_attn": True}, "bias"),
                                             ({"memory_efficient": True, "norm_first": False}, "norm_first")])
def test_layers_the_adaptor_cannot_share_are_refused(options, problem):
    from audiocraft_expotion.modules.adaptor import AdaptedTransformerLayer, check_adaptable
    layer = AdaptedTransformerLayer(d_model=16, num_heads=2, dim_feedforward=32, causal=True,
                                    **{"norm_first": True, **options})
    with pytest.raises(ValueError, match=problem):
        check_adaptable(layer)


def test_a_decoding_step_adds_three_kernels_per_adapted_layer(models):
    """Per adapted layer, a decoding step of the CFG pair adds to MusicGen's attention exactly the add of
    Q^p (written in the grouped layout), the prefix attention and the gated sum: no layout copies."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Kernels(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.names = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if not func.is_view and not func.__name__.startswith("empty"):
                self.names.append(func.__name__)
            return func(*args, **(kwargs or {}))
    expotion, _ = models
    set_gates(expotion, 1.)
    provider = expotion.condition_provider
    joint, mask = provider(provider.tokenize(attributes(TEXTS[:1], visual()) * 2))["visual"]
    window = expotion.adaptor._window(joint, mask)
    assert (window.repeats, window.distinct) == (2, 1)  # the CFG rows share one prefix
    heads, head_dim = window.keys[0].shape[1], window.keys[0].shape[3]
    query, attended = torch.randn(2, heads, 1, head_dim), torch.randn(2, heads, 1, head_dim)
    with torch.no_grad(), Kernels() as kernels:
        gated = window.gated(0, query, attended, start=3)
    assert [name.split(".")[0] for name in kernels.names] == [
        "add", "_scaled_dot_product_flash_attention_for_cpu", "addcmul"]
    expected = attended + window.scales[0].view(2, 1, 1, 1) * torch.nn.functional.scaled_dot_product_attention(
        query + window.queries[0][0, :, 0, 3:4], window.keys[0], window.values[0])
    torch.testing.assert_close(gated, expected)
