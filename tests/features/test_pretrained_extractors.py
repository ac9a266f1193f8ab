"""MARLIN, Synchformer and RAFT extractors with random weights and small settings; checkpoints."""
from pathlib import Path

import numpy as np
import pytest
import torch

from torchvision.models.optical_flow import Raft_Small_Weights, raft_small

from audiocraft_expotion.features import build_extractor
from audiocraft_expotion.media.video import read_video
from audiocraft_expotion.features.checkpoint import CheckpointError
from audiocraft_expotion.features.motionformer import MotionFormerConfig
from audiocraft_expotion.features.synchformer import place_exactly, token_centres
from audiocraft_expotion.features.vit import VideoViT, ViTConfig
from audiocraft_expotion.features.windows import window_positions

from .synthetic import square_frame, write_video

SMALL = ViTConfig(img_size=32, num_frames=16, patch_size=16, dim=32, depth=1, num_heads=2)
SYNCH_SMALL = MotionFormerConfig(dim=32, depth=1, num_heads=2)


def test_default_encoder_is_vit_base_with_marlin_layout():
    model = VideoViT(ViTConfig())
    state = model.state_dict()
    assert 85e6 < sum(p.numel() for p in model.parameters()) < 88e6
    assert state["patch_embedding.projection.weight"].shape == (768, 3, 2, 16, 16)
    assert state["pos_embedding.emb"].shape == (1, 8 * 14 * 14, 768)
    assert {"blocks.11.attn.q_bias", "blocks.11.attn.v_bias", "blocks.11.mlp.layers.1.linear.weight",
            "norm.weight"} <= set(state)
    assert "blocks.0.attn.qkv.bias" not in state


def test_window_positions():
    windows = window_positions(12, 16, 5)
    assert windows.shape == (3, 16)
    assert windows[:, 0].tolist() == [0, 5, 10]
    assert windows[0].tolist() == list(range(12)) + [11] * 4


def test_pretrained_need_weights():
    for name in ("marlin", "synchformer", "raft"):
        with pytest.raises(ValueError, match="random-weights"):
            build_extractor(name)


def test_marlin_on_real_clip(real_videos):
    video = read_video(real_videos["owl_clip3.mp4"])
    extractor = build_extractor("marlin", random_weights=True, config=SMALL)
    result = extractor.extract(video)
    assert extractor.fps == 5 and result.fps == 5
    assert result.features.shape == (int(np.ceil(np.ceil(video.end * 80) / 16)), 32)
    assert result.meta["face_frames"] == video.num_frames
    assert result.meta["face_frames_missing"] < 0.2 * video.num_frames
    change = np.linalg.norm(np.diff(result.features, axis=0), axis=1)
    held_windows = int(video.first_time // 0.2)  # windows of 0.2 s that only hold the first frame
    assert held_windows == 3
    assert np.all(change[:held_windows - 1] == 0) and change[held_windows - 1:].min() > 0


def test_marlin_without_face_uses_full_frame(moving_square):
    extractor = build_extractor("marlin", random_weights=True, config=SMALL)
    result = extractor.extract(read_video(moving_square[0]))
    assert result.meta["face_frames_missing"] == result.meta["face_frames"]
    assert result.features.shape == (15, 32)


def test_marlin_checkpoint_round_trip(tmp_path, moving_square):
    video = read_video(moving_square[0])
    trained = VideoViT(SMALL)
    with torch.no_grad():
        for parameter in trained.parameters():
            parameter.normal_()
    path = tmp_path / "marlin.pt"
    torch.save({"state_dict": {f"encoder.{k}": v for k, v in trained.state_dict().items()}}, path)
    loaded = build_extractor("marlin", checkpoint=path, config=SMALL)
    assert torch.equal(loaded.encoder.blocks[0].attn.q_bias, trained.blocks[0].attn.q_bias)
    random = build_extractor("marlin", random_weights=True, config=SMALL).extract(video)
    assert not np.allclose(loaded.extract(video).features, random.features)
    torch.save({"other.weight": torch.zeros(1)}, tmp_path / "wrong.pt")
    with pytest.raises(CheckpointError, match="wrong.pt.*missing keys"):
        build_extractor("marlin", checkpoint=tmp_path / "wrong.pt", config=SMALL)
    with pytest.raises(CheckpointError, match="nothing.pt: checkpoint file does not exist"):
        build_extractor("marlin", checkpoint=tmp_path / "nothing.pt", config=SMALL)


def test_synchformer_on_real_clip(real_videos):
    video = read_video(real_videos["monkey_clip18.mp4"], max_side=320)
    extractor = build_extractor("synchformer", random_weights=True, config=SYNCH_SMALL)
    result = extractor.extract(video)
    assert result.fps == 40 and result.meta["segments"] == 50  # 250 frames at 25 fps, stride 5
    assert result.features.shape == (50 * 8, 32)  # (S, 8, D) flattened: 10 s at 40 fps
    assert result.duration == pytest.approx(video.end)
    assert result.meta["modality"] == "motion" and len(result.meta["weights_sha256"]) == 16
    exact = build_extractor("synchformer", random_weights=True, config=SYNCH_SMALL, timing="exact").extract(video)
    assert exact.features.shape == result.features.shape and exact.meta["settings"]["timing"] == "exact"
    assert not np.allclose(exact.features, result.features)


def test_synchformer_token_timing():
    centres = token_centres(segments=3, tokens=8, stride=5, tubelet=2, fps=25.)
    assert centres[0].tolist() == pytest.approx([0.04 + 0.08 * m for m in range(8)])
    assert centres[2, 0] == pytest.approx(0.44)  # frames 10, 11 of segment 2
    paper_times = np.arange(24) / 40  # the paper's flattened 40 fps reading
    offsets = centres.reshape(-1) - paper_times
    assert offsets.reshape(3, 8)[0].tolist() == pytest.approx([0.04 + 0.055 * m for m in range(8)])
    span_start, span_end = centres - 0.04, centres + 0.04  # token m encodes [0.2k + 0.08m, +0.08)
    inside = (paper_times.reshape(3, 8) >= span_start) & (paper_times.reshape(3, 8) < span_end)
    assert inside[:, 0].all() and not inside[:, 1:].any()  # only token 0 of each segment is inside its span
    # tokens whose value is their own time: the exact placement returns the grid time, held at the ends
    placed = place_exactly(centres[..., None], centres, fps=40.)[:, 0]
    grid = np.arange(24) / 40
    covered = (grid >= centres.min()) & (grid <= centres.max())
    assert placed[covered] == pytest.approx(grid[covered])
    assert placed[~covered & (grid < 0.1)] == pytest.approx(centres.min())


def test_wrong_architecture_checkpoint_names_keys_and_shapes(tmp_path):
    torch.save({"encoder." + k: v for k, v in VideoViT(SMALL).state_dict().items()}, tmp_path / "marlin.pt")
    with pytest.raises(CheckpointError, match=r"marlin.pt: does not fit MotionFormer.*missing keys.*"
                                              r"cls_token \[1, 1, 32\]"):
        build_extractor("synchformer", checkpoint=tmp_path / "marlin.pt", config=SYNCH_SMALL)
    other_size = VideoViT(ViTConfig(img_size=32, dim=64, depth=1, num_heads=2))
    torch.save(other_size.state_dict(), tmp_path / "wide.pt")
    with pytest.raises(CheckpointError, match=r"wide.pt: .*shape mismatch \(checkpoint\): "
                                              r"patch_embedding.projection.weight \[64, 3, 2, 16, 16\]"):
        build_extractor("marlin", checkpoint=tmp_path / "wide.pt", config=SMALL)


def test_raft_torchvision_weights_name(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with torch.random.fork_rng():
        torch.manual_seed(5)
        weights = raft_small().state_dict()
    cached = tmp_path / "hub" / "checkpoints" / Path(Raft_Small_Weights.C_T_V2.url).name
    cached.parent.mkdir(parents=True)
    torch.save(weights, cached)  # what torchvision's download leaves in the hub cache
    extractor = build_extractor("raft", checkpoint="Raft_Small_Weights.C_T_V2", side=128, flow_updates=2)
    assert extractor.model_name == "small"
    assert all(torch.equal(value, weights[key]) for key, value in extractor.raft.state_dict().items())
    with pytest.raises(ValueError, match="does not match the weights"):
        build_extractor("raft", checkpoint="Raft_Small_Weights.C_T_V2", model="large")

    def offline(*args, **kwargs):
        raise OSError("no network")
    monkeypatch.setattr("torch.hub.download_url_to_file", offline)
    with pytest.raises(CheckpointError, match="Raft_Large_Weights.C_T_V2: cannot fetch.*put the file at"):
        build_extractor("raft", checkpoint="Raft_Large_Weights.C_T_V2")


def test_raft_pairs_and_held_frames(tmp_path):
    times = 0.5 + np.arange(25) / 25  # first frame at 0.5 s, square moving all along
    path = write_video(tmp_path / "late.mp4", [square_frame(8 + 3 * k) for k in range(25)], times)
    extractor = build_extractor("raft", random_weights=True, side=128, flow_updates=2)
    result = extractor.extract(read_video(path))
    assert result.features.shape == (8, 256) and result.fps == 5
    assert result.meta["held_frames"] == 3
    assert result.meta["settings"]["flow_cnn_checksum"] == build_extractor(
        "raft", random_weights=True, side=128).settings()["flow_cnn_checksum"]
    with torch.no_grad():
        still = extractor.cnn(torch.zeros(1, 2, 128, 160))[0].numpy()
    # grid 0, 0.2, 0.4 s hold the first frame: pairs 0-1 and 1-2 have no motion, RAFT runs from pair 2 on
    assert np.array_equal(result.features[:2], np.stack([still, still]))
    assert np.abs(result.features[2:] - still).max(axis=1).min() > 0
    assert np.array_equal(result.features[-1], result.features[-2])
    one_by_one = build_extractor("raft", random_weights=True, side=128, flow_updates=2, batch_size=1)
    np.testing.assert_allclose(one_by_one.extract(read_video(path)).features, result.features, atol=1e-4)
