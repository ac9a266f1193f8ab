"""Fixtures of the eval tests: click tracks and a tiny random CLAP model folder."""
import typing as tp

import pytest
import torch
from eval_synth import make_click_track
from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor, RobertaTokenizer


@pytest.fixture
def click_track() -> tp.Callable[..., torch.Tensor]:
    """The :func:`eval_synth.make_click_track` factory (22.05 kHz)."""
    return make_click_track


WORDS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "Ġ"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


@pytest.fixture(scope="session")
def tiny_clap_dir(tmp_path_factory):
    """A tiny random CLAP (model, feature extractor, tokenizer) saved as a local model folder."""
    folder = tmp_path_factory.mktemp("tiny_clap")
    tokenizer = RobertaTokenizer(vocab={w: i for i, w in enumerate(WORDS)}, merges=[])  # character-level
    config = ClapConfig(
        text_config=dict(vocab_size=len(WORDS), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=37, max_position_embeddings=64, projection_dim=16),
        audio_config=dict(depths=[1, 1], num_attention_heads=[2, 2], hidden_size=32, patch_embeds_hidden_size=16,
                          spec_size=64, patch_size=4, window_size=4, num_mel_bins=16, projection_dim=16,
                          enable_fusion=False),
        projection_dim=16)
    torch.manual_seed(0)
    ClapModel(config).save_pretrained(folder)
    extractor = ClapFeatureExtractor(feature_size=16, sampling_rate=8000, hop_length=80, max_length_s=1,
                                     fft_window_size=512, truncation="rand_trunc", padding="repeatpad")
    ClapProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    return folder
