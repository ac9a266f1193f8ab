"""The condition adaptor of Expotion (paper §3.2, CoCoMulla-style) on top of audiocraft's transformer.

For each of the last L decoder layers l, a *condition prefix* stream ``H^p`` of T positions runs
through the layer's frozen self-attention and feed-forward (no cross-attention, no causal mask,
never attending to audio tokens), starting from learnable embeddings ``H^p_0``::

    Z_l = W_e,l ([z'_f; z'_m] + z_pos,l)                       # [B, T, d]  (eq. 7, per layer)
    Q^p, K^p, V^p = QKV(norm1(H^p_l) + Z_l)                      # frozen projections
    H^p_{l+1} = FFN-block(H^p_l + Attn(Q^p, K^p, V^p))           # frozen, pre-norm residual

The audio stream keeps MusicGen's computation and adds a gated attention on the prefix::

    S'_l = Attn(Q_l + Q^p_l[t], K^p_l, V^p_l)                    # query at step t uses Q^p at t
    H_{l+1} = CrossAttn(S_l + g_l * S'_l, text)                  # g_l initialised to 0

Only ``H^p_0``, ``W_e``, ``z_pos`` and the gates are parameters of the adaptor (W_f, W_m are in
the visual conditioner). Steps past the last prefix position attend with ``Q^p = 0``.
Items whose visual condition is null (no valid frame) get no adaptor contribution: for them the
model is exactly the frozen MusicGen, which is what visual classifier-free guidance contrasts with.
"""
import typing as tp
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from audiocraft.modules.conditioners import ConditionFuser, ConditionType
from audiocraft.modules.streaming import StreamingModule
from audiocraft.modules.transformer import StreamingMultiheadAttention, StreamingTransformerLayer


def _projection_weights(attn: StreamingMultiheadAttention
                        ) -> tp.Tuple[torch.Tensor, tp.Optional[torch.Tensor], nn.Linear]:
    """Packed ``[3d, d]`` QKV weight, its bias and the output projection of a frozen attention."""
    if attn.custom:
        return attn.in_proj_weight, attn.in_proj_bias, attn.out_proj
    return attn.mha.in_proj_weight, attn.mha.in_proj_bias, attn.mha.out_proj


def _split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """``[B, T, H * D] -> [B, H, T, D]``."""
    B, T, _ = x.shape
    return x.view(B, T, num_heads, -1).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """``[B, H, T, D] -> [B, T, H * D]``."""
    B, H, T, D = x.shape
    return x.transpose(1, 2).reshape(B, T, H * D)


def check_adaptable(layer: StreamingTransformerLayer) -> None:
    """Raise if the condition adaptor cannot reuse this layer's frozen attention as is."""
    attn = layer.self_attn
    problems = []
    if not layer.norm_first:
        problems.append("norm_first=False (MusicGen is pre-norm)")
    if attn.rope is not None:
        problems.append("rotary embeddings")
    if attn.qk_layer_norm:
        problems.append("qk_layer_norm")
    if attn.kv_repeat != 1:
        problems.append("kv_repeat > 1")
    if problems:
        raise ValueError(f"The condition adaptor does not support transformer layers with {', '.join(problems)}.")


@dataclass
class VisualBranch:
    """What one adapted layer needs, for the audio steps of the current call, to add ``g_l * S'``.

    Attributes:
        query_offset: ``Q^p`` rows of these steps ``[B, H, S, D_h]`` (zeros past the prefix end).
        k, v: prefix keys and values ``[B, H, T_p, D_h]``.
        scale: ``[B, 1, 1]``: the gate g_l for items with a visual condition, 0 for null ones.
    """
    query_offset: torch.Tensor
    k: torch.Tensor
    v: torch.Tensor
    scale: torch.Tensor

    def attend(self, attn: StreamingMultiheadAttention, x: torch.Tensor) -> torch.Tensor:
        """``g_l * S'`` for the normed audio input ``x`` ``[B, S, d]``, returned as ``[B, S, d]``."""
        weight, bias, out_proj = _projection_weights(attn)
        dim = x.shape[-1]
        query = _split_heads(F.linear(x, weight[:dim], None if bias is None else bias[:dim]), attn.num_heads)
        attended = F.scaled_dot_product_attention(query + self.query_offset, self.k, self.v)
        return self.scale * out_proj(_merge_heads(attended))


class AdaptedTransformerLayer(StreamingTransformerLayer):
    """MusicGen's transformer layer, plus ``g_l * S'`` when the adaptor attached a visual branch.

    It has exactly the parameters of :class:`StreamingTransformerLayer`, so MusicGen state dicts load
    unchanged; without a branch attached it computes exactly what its parent does.
    """
    visual_branch: tp.Optional[VisualBranch] = None

    def _sa_block(self, x: torch.Tensor, attn_mask: tp.Optional[torch.Tensor],
                  key_padding_mask: tp.Optional[torch.Tensor]) -> torch.Tensor:
        out = super()._sa_block(x, attn_mask, key_padding_mask)
        if self.visual_branch is None:
            return out
        return out + self.visual_branch.attend(self.self_attn, x)


class ConditionAdaptor(StreamingModule):
    """Learnable prefix stream over the last ``num_layers`` frozen layers (see module docstring).

    Args:
        dim: LM width d.
        joint_dim: width of the joint visual embedding, d1 + d2.
        num_layers: L, number of adapted (last) decoder layers.
        max_frames: longest prefix, in LM frames (1000 = 20 s at 50 Hz).
    """
    def __init__(self, dim: int, joint_dim: int, num_layers: int, max_frames: int = 1000):
        super().__init__()
        self.max_frames = max_frames
        self.h0 = nn.Parameter(torch.randn(max_frames, dim) * 0.02)
        self.pos_emb = nn.Parameter(torch.randn(num_layers, max_frames, joint_dim) * 0.02)
        self.joint_proj = nn.ModuleList([nn.Linear(joint_dim, dim, bias=False) for _ in range(num_layers)])
        self.gates = nn.Parameter(torch.zeros(num_layers))
        self.__dict__["_layers"] = []  # frozen LM layers: referenced, not owned (no duplicate parameters)

    @property
    def num_layers(self) -> int:
        return len(self.joint_proj)

    def bind(self, layers: tp.Sequence[AdaptedTransformerLayer]) -> None:
        """Attach the adaptor to the last L layers of the LM (in order)."""
        if len(layers) != self.num_layers:
            raise ValueError(f"Adaptor has {self.num_layers} layers, got {len(layers)} to bind.")
        for layer in layers:
            if not isinstance(layer, AdaptedTransformerLayer):
                raise TypeError(f"Adapted layers must be AdaptedTransformerLayer, got {type(layer).__name__}.")
            check_adaptable(layer)
        self.__dict__["_layers"] = list(layers)

    def prefix_stream(self, joint: torch.Tensor
                      ) -> tp.List[tp.Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Run the prefix through the frozen layers; returns per layer ``(Q^p, K^p, V^p)``, each ``[B, H, T, D_h]``.

        Args:
            joint: joint visual embedding ``[B, T, d1 + d2]`` (zeros where no frame is valid).
        """
        B, T, _ = joint.shape
        if T > self.max_frames:
            raise ValueError(f"The visual condition has {T} frames, more than the adaptor's max_frames="
                             f"{self.max_frames}; generate long videos in windows.")
        hidden = self.h0[:T].unsqueeze(0).expand(B, -1, -1)
        outputs = []
        for index, layer in enumerate(self._layers):
            weight, bias, out_proj = _projection_weights(layer.self_attn)
            z = self.joint_proj[index](joint + self.pos_emb[index, :T])
            projected = F.linear(layer.norm1(hidden) + z, weight, bias)
            q, k, v = (_split_heads(p, layer.self_attn.num_heads) for p in projected.chunk(3, dim=-1))
            outputs.append((q, k, v))
            if index + 1 < len(self._layers):  # the last layer's prefix output is never used
                attended = out_proj(_merge_heads(F.scaled_dot_product_attention(q, k, v)))
                hidden = hidden + layer.layer_scale_1(layer.dropout1(attended))
                hidden = hidden + layer.layer_scale_2(layer._ff_block(layer.norm2(hidden)))
        return outputs

    def _prefix(self, joint: torch.Tensor) -> tp.Tuple[torch.Tensor, tp.List[tp.Tuple[torch.Tensor, torch.Tensor]]]:
        """Prefix queries of all layers stacked ``[L, B, H, T, D_h]`` and per-layer ``(K^p, V^p)``;
        computed once per generation when streaming."""
        if self._is_streaming and "prefix" in self._streaming_state:
            return self._streaming_state["prefix"]  # type: ignore[return-value]
        outputs = self.prefix_stream(joint)
        prefix = (torch.stack([q for q, _, _ in outputs]), [(k, v) for _, k, v in outputs])
        if self._is_streaming:
            self._streaming_state["prefix"] = prefix  # type: ignore[assignment]
        return prefix

    def attach(self, condition: tp.Optional[ConditionType], start: int, length: int) -> None:
        """Give each adapted layer its visual branch for audio steps ``start .. start + length - 1``.

        Args:
            condition: ``(joint [B, T, d1 + d2], mask [B, T])`` from the visual conditioner, or None.
            start: absolute index of the first step of this call (non-zero while streaming).
            length: number of steps in this call.
        """
        if condition is None or condition[0].shape[1] == 0:
            for layer in self._layers:
                layer.visual_branch = None
            return
        joint, mask = condition
        queries, keys_values = self._prefix(joint)
        # Per-step work batched over the L layers (decoding one token is dispatch-bound).
        num_prefix = queries.shape[3]
        positions = torch.arange(start, start + length, device=joint.device)
        in_prefix = (positions < num_prefix).to(queries.dtype)[:, None]
        offsets = queries[:, :, :, positions.clamp(max=num_prefix - 1)] * in_prefix  # [L, B, H, S, D_h]
        scales = self.gates[:, None] * mask.any(dim=1).to(self.gates.dtype)[None]  # [L, B]
        scales = scales.to(joint.dtype)[:, :, None, None]
        for layer, offset, (k, v), scale in zip(self._layers, offsets, keys_values, scales):
            layer.visual_branch = VisualBranch(offset, k, v, scale)


class PrefixFuser(ConditionFuser):
    """audiocraft's ConditionFuser with one more fuse method, ``prefix``: conditions fused by the adaptor.

    ``fuse2cond`` may contain ``prefix: [visual]``. The prefix condition is handed, with the step
    positions of the current call, to ``prefix_sink`` (the LM's adaptor) before the transformer runs.
    """
    FUSING_METHODS = [*ConditionFuser.FUSING_METHODS, "prefix"]

    def __init__(self, fuse2cond: tp.Dict[str, tp.List[str]], **kwargs):
        super().__init__(fuse2cond, **kwargs)
        if len(fuse2cond.get("prefix", [])) > 1:
            raise ValueError(f"At most one condition can be fused as 'prefix', got {fuse2cond['prefix']}.")
        if fuse2cond.get("prefix") and fuse2cond.get("prepend"):
            raise ValueError("'prefix' (visual adaptor) cannot be combined with 'prepend' conditions.")
        self.prefix_sink: tp.Optional[tp.Callable[[tp.Optional[ConditionType], int, int], None]] = None

    @property
    def prefix_condition(self) -> tp.Optional[str]:
        names = self.fuse2cond.get("prefix", [])
        return names[0] if names else None

    def forward(self, input: torch.Tensor, conditions: tp.Dict[str, ConditionType]
                ) -> tp.Tuple[torch.Tensor, tp.Optional[torch.Tensor]]:
        name = self.prefix_condition
        others = {k: v for k, v in conditions.items() if k != name}
        start = int(self._streaming_state["offsets"][0]) if "offsets" in self._streaming_state else 0
        fused, cross = super().forward(input, others)
        if self.prefix_sink is not None:
            self.prefix_sink(conditions.get(name) if name else None, start, input.shape[1])
        return fused, cross
