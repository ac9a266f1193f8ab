"""The encoders reproduce the official Synchformer and MARLIN code (shared/fixtures, README = contract)
and have the released checkpoints' key layouts."""
import typing as tp
from pathlib import Path

import torch

from audiocraft_expotion.features.checkpoint import load_weights, select_prefix
from audiocraft_expotion.features.marlin import CHECKPOINT_PREFIXES as MARLIN_PREFIXES
from audiocraft_expotion.features.marlin import marlin_input
from audiocraft_expotion.features.synchformer import build_encoder, synchformer_input
from audiocraft_expotion.features.vit import VideoViT, ViTConfig

ATOL = 1e-5


def read_tsv(path: Path) -> tp.Dict[str, tp.List[int]]:
    """``{key: shape}`` of a fixture TSV (``key<TAB>[shape]<TAB>dtype`` rows, ``#`` comments)."""
    rows = [line.split("\t") for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert all(dtype == "torch.float32" for _, _, dtype in rows)
    return {key: [int(n) for n in shape.strip("[]").split(",") if n.strip()] for key, shape, _ in rows}


def load(fixtures_dir: Path, name: str) -> tp.Dict[str, tp.Any]:
    return torch.load(fixtures_dir / name, weights_only=True)


def test_synchformer_reproduces_official_output(fixtures_dir):
    fixture = load(fixtures_dir, "synchformer_small.pt")
    encoder = build_encoder(fixture["config"])
    encoder.load_state_dict(fixture["state_dict"], strict=True)
    with torch.no_grad():
        output = encoder(fixture["input"].float())
    assert output.shape == fixture["output"].shape == (1, 1, 8, 96)
    error = (output - fixture["output"]).abs().max().item()
    print(f"synchformer max abs error {error:.2e}")
    assert error <= ATOL


def test_synchformer_preprocessing_is_bit_exact(fixtures_dir):
    fixture = load(fixtures_dir, "synchformer_small.pt")
    frames = fixture["frames_uint8"].contiguous()  # [T, C, H, W]
    made = synchformer_input(frames[None])  # one segment -> [1, S=1, C, T, H, W]
    assert made.dtype == fixture["input"].dtype == torch.float16
    assert torch.equal(made, fixture["input"])


def test_synchformer_released_checkpoint_and_bare_state_dict(fixtures_dir, tmp_path):
    fixture = load(fixtures_dir, "synchformer_small.pt")
    state = fixture["state_dict"]
    released = {"model": {**{f"vfeat_extractor.{k}": v for k, v in state.items()},
                          "afeat_extractor.patch.weight": torch.zeros(2), "transformer.w": torch.zeros(3)},
                "epoch": 10}
    torch.save(released, tmp_path / "24-01-04T16-39-21.pt")
    torch.save(state, tmp_path / "bare.pt")
    for name in ("24-01-04T16-39-21.pt", "bare.pt"):
        encoder = build_encoder(fixture["config"])
        load_weights(encoder, tmp_path / name, ("vfeat_extractor.",))
        with torch.no_grad():
            assert (encoder(fixture["input"].float()) - fixture["output"]).abs().max() <= ATOL


def test_marlin_reproduces_official_outputs(fixtures_dir):
    fixture = load(fixtures_dir, "marlin_small.pt")
    encoder = VideoViT(ViTConfig.from_dict(fixture["config"])).eval()
    encoder.load_state_dict(select_prefix(fixture["state_dict"], encoder.state_dict(), MARLIN_PREFIXES), strict=True)
    clips = marlin_input(fixture["frames_uint8"].contiguous()[None])
    assert torch.equal(clips, fixture["input"])
    with torch.no_grad():
        pooled, sequence = encoder.pooled(clips), encoder.sequence(clips)
    errors = ((pooled - fixture["output"]).abs().max().item(),
              (sequence - fixture["output_keep_seq"]).abs().max().item())
    print(f"marlin max abs error pooled {errors[0]:.2e}, keep_seq {errors[1]:.2e}")
    assert pooled.shape == (1, 96) and sequence.shape == (1, 1568, 96)
    assert max(errors) <= ATOL


def test_marlin_full_checkpoint_ignores_decoder(fixtures_dir, tmp_path):
    fixture = load(fixtures_dir, "marlin_small.pt")
    full = {**fixture["state_dict"], "decoder.mask_token": torch.zeros(1, 1, 384),
            "decoder.blocks.0.attn.q_bias": torch.zeros(384), "enc_dec_proj.weight": torch.zeros(384, 96)}
    torch.save(full, tmp_path / "marlin_vit_small_ytf.full.pt")
    encoder = VideoViT(ViTConfig.from_dict(fixture["config"])).eval()
    load_weights(encoder, tmp_path / "marlin_vit_small_ytf.full.pt", MARLIN_PREFIXES)
    with torch.no_grad():
        assert (encoder.pooled(fixture["input"]) - fixture["output"]).abs().max() <= ATOL


def meta_layout(model: torch.nn.Module) -> tp.Dict[str, tp.List[int]]:
    return {key: list(value.shape) for key, value in model.state_dict().items()}


def test_full_size_synchformer_has_the_released_layout(fixtures_dir):
    with torch.device("meta"):
        encoder = build_encoder()
    assert meta_layout(encoder) == read_tsv(fixtures_dir / "synchformer_vfeat_keys.tsv")
    assert sum(p.numel() for p in encoder.state_dict().values()) == 122_440_704


def test_full_size_marlin_has_the_released_layout(fixtures_dir):
    with torch.device("meta"):
        encoder = VideoViT(ViTConfig())
    expected = read_tsv(fixtures_dir / "marlin_vit_base_keys.tsv")
    assert meta_layout(encoder) == {key[len("encoder."):]: shape for key, shape in expected.items()}
