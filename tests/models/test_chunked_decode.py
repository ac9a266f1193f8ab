"""Chunked codec decoding (issue 12 item 5): the same audio as one-shot decoding, in bounded memory."""
import pytest
import torch
from audiocraft.models import builders as audiocraft_builders
from audiocraft.models.encodec import EncodecModel
from audiocraft.modules import SEANetDecoder, SEANetEncoder
from audiocraft.quantization import ResidualVectorQuantizer

from audiocraft_expotion.models.chunked_decode import decode_in_chunks


@pytest.fixture(scope="module")
def debug_codec() -> EncodecModel:
    """audiocraft's debug codec (the tiny preset's): convolutions only, 25 Hz at 32 kHz."""
    torch.manual_seed(0)
    return audiocraft_builders.get_debug_compression_model("cpu", sample_rate=32000)


def lstm_codec() -> EncodecModel:
    """A small random EnCodec with the 2 LSTM layers of MusicGen's 32 kHz codec (memory beyond the convolutions)."""
    torch.manual_seed(0)
    kwargs = dict(n_filters=4, n_residual_layers=1, dimension=32, ratios=[10, 8, 16], lstm=2)
    quantizer = ResidualVectorQuantizer(dimension=32, bins=64, n_q=2)
    quantizer.eval()
    return EncodecModel(SEANetEncoder(**kwargs), SEANetDecoder(**kwargs), quantizer, frame_rate=25,
                        sample_rate=32000, channels=1).eval()


def codes(codec: EncodecModel, frames: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    return torch.randint(0, codec.quantizer.bins, (2, codec.quantizer.total_codebooks, frames), generator=gen)


@pytest.mark.parametrize("chunk,overlap", [(10, 5), (25, 25), (7, 4)])
def test_chunks_equal_one_shot_decoding_for_a_convolutional_codec(debug_codec, chunk, overlap):
    tokens = codes(debug_codec, 83)
    with torch.no_grad():
        whole = debug_codec.decode(tokens, None)
    chunked = decode_in_chunks(debug_codec, tokens, chunk, overlap)
    assert chunked.shape == whole.shape == (2, 1, 83 * 1280)
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=1e-4)


def test_too_little_context_is_visible_so_the_overlap_matters(debug_codec):
    tokens = codes(debug_codec, 83)
    with torch.no_grad():
        whole = debug_codec.decode(tokens, None)
    assert (decode_in_chunks(debug_codec, tokens, 10, 0) - whole).abs().max() > 1e-3


def test_lstm_codec_chunks_match_within_a_small_error():
    codec = lstm_codec()
    tokens = codes(codec, 150)
    with torch.no_grad():
        whole = codec.decode(tokens, None)
    chunked = decode_in_chunks(codec, tokens, 50, 25)  # 2 s chunks, 1 s of context each side
    error = (chunked - whole).abs().max() / whole.abs().max()
    print(f"LSTM codec: max chunked-decoding error {error:.2e} of the peak")
    assert error < 1e-3


def test_bad_chunking_is_rejected(debug_codec):
    with pytest.raises(ValueError, match="chunk"):
        decode_in_chunks(debug_codec, codes(debug_codec, 10), 0, 2)
