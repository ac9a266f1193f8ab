"""The offline demo: the example clip, and a shipped adaptor through which the video changes the music."""
import av
import pytest

from audiocraft_expotion.generate import ExpotionGenerator
from audiocraft_expotion.generate.__main__ import main
from audiocraft_expotion.features.extractor_choice import choose_extractors
from audiocraft_expotion.generate.example import DURATION, FPS, write_example_video
from audiocraft_expotion.generate.model_choice import DEMO_MODEL, model_record


@pytest.fixture(scope="module")
def demo_generator() -> ExpotionGenerator:
    extractors, _ = choose_extractors(model_record(DEMO_MODEL))
    return ExpotionGenerator(DEMO_MODEL, extractors)


def test_demo_model_records_its_features_and_is_trained(demo_generator):
    assert {m: r.name for m, r in model_record(DEMO_MODEL).items()} == {"motion": "flow"}
    assert list(demo_generator.extractors) == ["motion"]
    assert not demo_generator.model.is_untrained
    assert "RANDOM weights" in demo_generator.notice and "CANNOT" in demo_generator.notice


def test_another_video_gives_other_music_only_with_the_trained_adaptor(demo_generator, tiny_generator, short_clip,
                                                                       tmp_path):
    example = write_example_video(tmp_path / "example.mp4", duration=2.0)
    for generator, differs in ((demo_generator, True), (tiny_generator, False)):
        name = "demo" if differs else "tiny"
        first = generator(short_clip, "calm piano", tmp_path / f"{name}_a.mp4", seed=5, progress=False)
        second = generator(example, "calm piano", tmp_path / f"{name}_b.mp4", seed=5, progress=False)
        assert (first.wav.read_bytes() != second.wav.read_bytes()) == differs, name


def test_example_command_makes_a_music_video_offline(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--example", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "example video: outputs/example.mp4" in out and "offline demo model" in out
    assert "your own video: python -m audiocraft_expotion.generate VIDEO" in out
    with av.open("outputs/example.mp4") as container:
        assert container.streams.video[0].frames == round(DURATION * FPS)
    assert {p.name for p in (tmp_path / "outputs").iterdir()} >= {
        "example.mp4", "example_expotion.mp4", "example_expotion.wav", "example_expotion.png"}
