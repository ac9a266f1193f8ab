"""Same seed, same music; a picture that MP4 cannot hold is re-encoded with every frame kept."""
import av
import soundfile

from audiocraft_expotion.media.probe import probe_video


def test_seed_determines_music_and_reencoded_picture(tiny_generator, short_clip, tmp_path):
    first = tiny_generator(short_clip, "calm piano", tmp_path / "a.mp4", seed=3, cache=tmp_path, progress=False)
    again = tiny_generator(short_clip, "calm piano", tmp_path / "b.mp4", seed=3, cache=tmp_path, progress=False)
    other = tiny_generator(short_clip, "calm piano", tmp_path / "c.mp4", seed=4, cache=tmp_path, progress=False)
    assert first.wav.read_bytes() == again.wav.read_bytes()
    assert first.wav.read_bytes() != other.wav.read_bytes()
    wav, rate = soundfile.read(str(first.wav))
    assert rate == 32000 and len(wav) == round(probe_video(short_clip).end * 32000)

    assert not first.picture_copied
    with av.open(str(first.video)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == probe_video(short_clip).num_frames
