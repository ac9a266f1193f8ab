"""MARLIN, Synchformer and RAFT extractors with random weights and small settings; checkpoints."""
import numpy as np
import pytest
import torch

from audiocraft_expotion.features import build_extractor, read_video
from audiocraft_expotion.features.checkpoint import CheckpointError
from audiocraft_expotion.features.vit import VideoViT, ViTConfig, window_positions

from .synthetic import square_frame, write_video

SMALL = ViTConfig(img_size=32, num_frames=16, patch_size=16, dim=32, depth=1, num_heads=2)


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
    video = read_video(real_videos["monkey_clip18.mp4"], max_side=160)
    extractor = build_extractor("synchformer", random_weights=True, config=SMALL)
    result = extractor.extract(video)
    assert result.fps == 40 and result.meta["segments"] == 50  # 250 frames at 25 fps, stride 5
    assert result.features.shape == (50 * 8, 32)  # (T, 8, D) flattened: 10 s at 40 fps
    assert result.duration == pytest.approx(video.end)


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
