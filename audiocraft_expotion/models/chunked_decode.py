"""Decode audio tokens with the codec in overlapping chunks, so memory stays flat for long videos.

audiocraft's ``generate_audio`` decodes all tokens at once: the codec's decoder holds activations for
the whole waveform (its last layers run at the audio rate with several channels), so peak memory grows
with the duration (~4 MiB per second of audio on the tiny preset, far more with EnCodec 32 kHz). Here
each chunk of ``chunk`` frames is decoded with ``overlap`` extra frames of context on both sides and
only its own samples are kept: the convolutions' receptive field (a few frames) lies inside the
context, so the result equals the one-shot decoding up to float rounding for convolutional codecs;
EnCodec's LSTM sees the same overlap of context (its memory of older frames fades long before 1 s).
Peak memory is the output waveform plus one chunk's activations.
"""
import torch
from audiocraft.models.encodec import CompressionModel


def decode_in_chunks(codec: CompressionModel, codes: torch.Tensor, chunk: int, overlap: int) -> torch.Tensor:
    """Audio ``[B, C, T * hop]`` of codes ``[B, K, T]``, decoded ``chunk`` frames at a time.

    Args:
        codec: the compression model (its ``sample_rate / frame_rate`` = ``hop`` samples per frame
            must be an integer).
        codes: ``[B, K, T]`` token codes.
        chunk: frames kept from each decoding call (> 0).
        overlap: frames of context decoded on each side of a chunk and dropped (>= 0).
    Raises:
        ValueError: for a non-positive ``chunk``, a negative ``overlap`` or a non-integer hop.
    """
    if chunk <= 0 or overlap < 0:
        raise ValueError(f"Expected chunk > 0 and overlap >= 0 frames, got chunk={chunk}, overlap={overlap}.")
    hop = codec.sample_rate / codec.frame_rate
    if hop != int(hop):
        raise ValueError(f"Chunked decoding needs whole samples per frame, got {hop} "
                         f"({codec.sample_rate} Hz / {codec.frame_rate} Hz).")
    hop = int(hop)
    total = codes.shape[-1]
    with torch.no_grad():
        if total <= chunk + 2 * overlap:
            return codec.decode(codes, None)
        out = None
        for start in range(0, total, chunk):
            end = min(start + chunk, total)
            first, last = max(0, start - overlap), min(total, end + overlap)
            wav = codec.decode(codes[..., first:last], None)
            if out is None:
                out = wav.new_empty(wav.shape[0], wav.shape[1], total * hop)
            out[..., start * hop:end * hop] = wav[..., (start - first) * hop:(end - first) * hop]
    return out
