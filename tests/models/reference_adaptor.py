"""Test-side reference of the condition adaptor: the paper's equations (§3.2) written plainly, as the
adaptor computed them before its speed work (separate query projection, second output projection,
per-step gather of ``Q^p``, prefix computed for every batch row). No padding masks: compare on
batches whose visual conditions all have the same length.

``with reference_adaptor(lm):`` swaps this computation into an :class:`ExpotionLM` (same weights).
"""
import contextlib
import types
import typing as tp

import torch
from torch.nn import functional as F


def _weights(attn):
    if attn.custom:
        return attn.in_proj_weight, attn.in_proj_bias, attn.out_proj
    return attn.mha.in_proj_weight, attn.mha.in_proj_bias, attn.mha.out_proj


def _heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    B, T, _ = x.shape
    return x.view(B, T, num_heads, -1).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    B, H, T, D = x.shape
    return x.transpose(1, 2).reshape(B, T, H * D)


def prefix_stream(adaptor, joint: torch.Tensor) -> tp.List[tp.Tuple[torch.Tensor, ...]]:
    """Per adapted layer ``(Q^p, K^p, V^p)`` ``[B, H, T, D_h]``: eq. 7 and the frozen layers on ``H^p``."""
    B, T, _ = joint.shape
    hidden = adaptor.h0[:T].unsqueeze(0).expand(B, -1, -1)
    outputs = []
    for index, layer in enumerate(adaptor._layers):
        weight, bias, out_proj = _weights(layer.self_attn)
        z = adaptor.joint_proj[index](joint + adaptor.pos_emb[index, :T])
        projected = F.linear(layer.norm1(hidden) + z, weight, bias)
        q, k, v = (_heads(p, layer.self_attn.num_heads) for p in projected.chunk(3, dim=-1))
        outputs.append((q, k, v))
        attended = out_proj(_merge(F.scaled_dot_product_attention(q, k, v)))
        hidden = hidden + layer.layer_scale_1(layer.dropout1(attended))
        hidden = hidden + layer.layer_scale_2(layer._ff_block(layer.norm2(hidden)))
    return outputs


def _sa_block(layer, x, attn_mask, key_padding_mask):
    """Frozen self-attention ``S`` plus ``g * out_proj(Attn(Q + Q^p[t], K^p, V^p))``."""
    out = type(layer).__mro__[1]._sa_block(layer, x, attn_mask, key_padding_mask)
    branch = layer.__dict__.get("_reference_branch")
    if branch is None:
        return out
    offset, k, v, scale = branch
    weight, bias, out_proj = _weights(layer.self_attn)
    dim = x.shape[-1]
    query = _heads(F.linear(x, weight[:dim], None if bias is None else bias[:dim]), layer.self_attn.num_heads)
    return out + scale * out_proj(_merge(F.scaled_dot_product_attention(query + offset, k, v)))


@contextlib.contextmanager
def reference_adaptor(lm):
    """Run ``lm`` (an ExpotionLM) with the reference adaptor computation, same parameters."""
    adaptor = lm.adaptor
    state: tp.Dict[str, tp.Any] = {}

    def attach(condition, start: int, length: int) -> None:
        for layer in adaptor._layers:
            layer.__dict__["_reference_branch"] = None
        if condition is None or condition[0].shape[1] == 0:
            return
        joint, mask = condition
        if start == 0 or not adaptor._is_streaming:  # a new window: the fuser counts steps from 0
            state["prefix"] = prefix_stream(adaptor, joint)
        num_prefix = joint.shape[1]
        scales = adaptor.gates[:, None] * mask.any(dim=1).to(adaptor.gates.dtype)[None]
        for index, (layer, (q, k, v)) in enumerate(zip(adaptor._layers, state["prefix"])):
            positions = torch.arange(start, start + length, device=joint.device)
            inside = (positions < num_prefix).to(q.dtype)[:, None]
            offset = q[:, :, positions.clamp(max=num_prefix - 1)] * inside
            layer.__dict__["_reference_branch"] = (offset, k, v, scales[index].to(joint.dtype)[:, None, None])

    sink = lm.fuser.prefix_sink
    lm.fuser.prefix_sink = attach
    for layer in adaptor._layers:
        layer._sa_block = types.MethodType(_sa_block, layer)
    try:
        yield
    finally:
        lm.fuser.prefix_sink = sink
        for layer in adaptor._layers:
            del layer._sa_block
            layer.__dict__.pop("_reference_branch", None)
