"""The condition adaptor of Expotion (paper §3.2, CoCoMulla-style) on top of audiocraft's transformer.

For each of the last L decoder layers l, a *condition prefix* stream ``H^p`` of T positions runs
through the layer's frozen self-attention and feed-forward (no cross-attention, no causal mask,
never attending to audio tokens), starting from learnable embeddings ``H^p_0``::

    Z_l = W_e,l ([z'_f; z'_m] + z_pos,l)                       # [B, T, d]  (eq. 7, per layer)
    Q^p, K^p, V^p = QKV(norm1(H^p_l) + Z_l)                      # frozen projections
    H^p_{l+1} = FFN-block(H^p_l + Attn(Q^p, K^p, V^p))           # frozen, pre-norm residual

The audio stream keeps MusicGen's computation and adds a gated attention on the prefix::

    S_l  = Attn(Q_l, K_l, V_l)                                   # MusicGen's causal self-attention
    S'_l = Attn(Q_l + Q^p_l[t], K^p_l, V^p_l)                    # query at step t uses Q^p at t
    H_{l+1} = CrossAttn(W_o (S_l + g_l * S'_l), text)            # g_l initialised to 0

``W_o`` is the frozen output projection (no bias in MusicGen), so ``W_o S + g W_o S'`` is applied
once; ``Q_l`` is the query the frozen attention computes anyway. Only ``H^p_0``, ``W_e``, ``z_pos``
and the gates are parameters of the adaptor (W_f, W_m are in the visual conditioner). Steps past
an item's last prefix position attend with ``Q^p = 0``; padded prefix positions (an item shorter
than its batch-mates) are masked in the prefix self-attention and in the audio's attention, so an
item's output does not depend on its batch. Items whose visual condition is null (no valid frame)
get no adaptor contribution: for them the model is exactly the frozen MusicGen, which is what
visual classifier-free guidance contrasts with.

Work is organised per *window* (one generation call, or one training forward): the prefix stream
runs once, for each distinct video of the batch only (the CFG halves carry the same video), and
each decoding step only slices ``Q^p`` rows by a Python int.
"""
import typing as tp
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from audiocraft.modules import transformer as audiocraft_transformer
from audiocraft.modules.conditioners import ConditionFuser, ConditionType
from audiocraft.modules.streaming import StreamingModule
from audiocraft.modules.transformer import StreamingTransformerLayer


def _split_qkv(projected: torch.Tensor, num_heads: int) -> tp.Tuple[torch.Tensor, ...]:
    """Packed ``[B, T, 3 * H * D] -> (q, k, v)`` each ``[B, H, T, D]`` (audiocraft's layout and strides).

    Plain view / permute rather than einops: decoding one token is dispatch-bound."""
    B, T, _ = projected.shape
    return projected.view(B, T, 3, num_heads, -1).permute(0, 3, 2, 1, 4).unbind(dim=2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """``[B, H, T, D] -> [B, T, H * D]``."""
    B, H, T, D = x.shape
    return x.permute(0, 2, 1, 3).reshape(B, T, H * D)


def check_adaptable(layer: StreamingTransformerLayer) -> None:
    """Raise ValueError if the condition adaptor cannot reuse this layer's frozen attention as is.

    The adaptor shares the query and output projection of MusicGen's memory-efficient attention
    (``custom`` packed QKV, ``[B, H, T, D]`` layout, no projection bias).
    """
    attn = layer.self_attn
    problems = []
    if not layer.norm_first:
        problems.append("norm_first=False (MusicGen is pre-norm)")
    if not (attn.custom and attn.memory_efficient):
        problems.append("attention other than the memory-efficient one (set memory_efficient: true)")
    elif attn.out_proj.bias is not None:
        problems.append("a bias in the attention projections (bias_attn: true)")
    if attn.rope is not None:
        problems.append("rotary embeddings")
    if attn.qk_layer_norm:
        problems.append("qk_layer_norm")
    if attn.kv_repeat != 1:
        problems.append("kv_repeat > 1")
    if problems:
        raise ValueError(f"The condition adaptor does not support transformer layers with {', '.join(problems)}.")


@dataclass
class PrefixWindow:
    """The prefix of one window, for the batch rows ``first_row .. first_row + repeats * distinct - 1``.

    Rows ``first_row + r * distinct + u`` (r < repeats) all carry the visual condition of distinct
    item u (the CFG halves carry the same video), so the prefix stream ran once per distinct item and
    its tensors are stored once; rows outside the range have a null visual condition (no adaptor
    contribution).

    Attributes:
        queries: per adapted layer ``[U, H, 1, T_p, D_h]`` (zero past each item's end).
        keys, values: per adapted layer ``[U, H, T_p, D_h]``.
        key_mask: ``[U, 1, 1, T_p]`` True on valid prefix positions, or None when no item is padded.
        scales: per adapted layer ``[R, U, 1, 1, 1]``: g_l for rows with a visual condition, 0 otherwise.
        first_row: first batch row of the range; repeats: R; distinct: U.
    """
    queries: tp.List[torch.Tensor]
    keys: tp.List[torch.Tensor]
    values: tp.List[torch.Tensor]
    key_mask: tp.Optional[torch.Tensor]
    scales: torch.Tensor
    first_row: int
    repeats: int
    distinct: int

    @property
    def rows(self) -> int:
        return self.repeats * self.distinct

    def gated(self, index: int, query: torch.Tensor, attended: torch.Tensor, start: int) -> torch.Tensor:
        """``S + g_l S'`` of layer ``index`` ``[R * U, H, S, D_h]``, for the audio queries and their
        attention ``S`` (both ``[R * U, H, S, D_h]``) of steps ``start .. start + S - 1``.

        The R rows sharing a prefix attend to it as one longer query ``[U, H, R * S, D_h]``: K^p, V^p
        are read once per step, not R times (decoding reads them from memory: this is most of the
        branch's cost). Adding Q^p writes that grouped layout directly, and the gated sum reads the
        result through a view, so a decoding step costs three kernels beyond MusicGen's: the add,
        the attention and the gated sum.
        """
        R, U = self.repeats, self.distinct
        _, H, S, D = query.shape
        offsets = self.queries[index][:, :, :, start:start + S]  # [U, H, 1, S', D]
        if offsets.shape[3] < S:  # the call runs past the prefix end: Q^p = 0 there
            offsets = F.pad(offsets, (0, 0, 0, S - offsets.shape[3]))
        grouped = _add_contiguous(query.view(R, U, H, S, D).permute(1, 2, 0, 3, 4), offsets)  # "(r u) h s d -> u h r s d"
        branch = F.scaled_dot_product_attention(grouped.view(U, H, R * S, D), self.keys[index],
                                                self.values[index], attn_mask=self.key_mask)
        branch = branch.view(U, H, R, S, D).permute(2, 0, 1, 3, 4)  # "u h (r s) d -> r u h s d", a view
        if branch.dtype != attended.dtype:
            branch = branch.to(attended.dtype)
        gated = torch.addcmul(attended.view(R, U, H, S, D), self.scales[index], branch)
        return gated.reshape(R * U, H, S, D)  # a view: the sum is laid out as its first operand


def _add_contiguous(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a + b`` (``b`` broadcast to ``a``'s shape), contiguous: one kernel does the add and the layout copy.

    ``out=`` has no autograd: with gradients, the sum is copied when ``a``'s layout is not contiguous.
    """
    if torch.is_grad_enabled() and (a.requires_grad or b.requires_grad):
        return (a + b).contiguous()
    return torch.add(a, b, out=torch.empty_like(a, memory_format=torch.contiguous_format))


def _batch_layout(joint: torch.Tensor, mask: torch.Tensor) -> tp.Optional[tp.Tuple[int, int, int]]:
    """``(first_row, repeats, distinct)`` of the rows needing the adaptor, or None if all are null.

    The batch is cut in blocks of ``distinct`` rows; the smallest block size is used such that every
    block with a visual condition is identical to the first one (CFG: ``[cond; null]`` both carry the
    same video; visual CFG adds null blocks). Called once per window (it synchronises with the device).
    """
    valid = mask.bool().any(dim=1).tolist()
    if not any(valid):
        return None
    rows = len(valid)
    for distinct in (d for d in range(1, rows + 1) if rows % d == 0):
        blocks = [b for b in range(rows // distinct) if any(valid[b * distinct:(b + 1) * distinct])]
        first = blocks[0] * distinct
        if all(torch.equal(joint[b * distinct:(b + 1) * distinct], joint[first:first + distinct])
               and torch.equal(mask[b * distinct:(b + 1) * distinct], mask[first:first + distinct])
               for b in blocks[1:]):
            return first, blocks[-1] - blocks[0] + 1, distinct
    raise AssertionError("unreachable: one block of all rows always matches")


class AdaptedTransformerLayer(StreamingTransformerLayer):
    """MusicGen's transformer layer, computing ``W_o (S + g_l S')`` when the adaptor has a window.

    It has exactly the parameters of :class:`StreamingTransformerLayer`, so MusicGen state dicts load
    unchanged; without a window it runs its parent's code.
    """
    def _sa_block(self, x: torch.Tensor, attn_mask: tp.Optional[torch.Tensor],
                  key_padding_mask: tp.Optional[torch.Tensor]) -> torch.Tensor:
        adaptor: tp.Optional[ConditionAdaptor] = self.__dict__.get("_adaptor")
        current = None if adaptor is None else adaptor.current
        if current is None:
            return super()._sa_block(x, attn_mask, key_padding_mask)
        window, start = current
        attn = self.self_attn
        if audiocraft_transformer._get_attention_time_dimension(True) != 2:
            raise RuntimeError("The condition adaptor needs audiocraft's 'torch' efficient attention backend.")
        # MusicGen's memory-efficient self-attention (audiocraft StreamingMultiheadAttention.forward) ...
        projected = F.linear(x, attn.in_proj_weight, attn.in_proj_bias)
        q, k, v = _split_qkv(projected, attn.num_heads)
        causal = attn._get_mask(x.shape[1], x.device, x.dtype) is not None  # before _complete_kv, as audiocraft
        k, v = attn._complete_kv(k, v)
        if attn.attention_as_float32:
            q, k, v = [t.float() for t in (q, k, v)]
        dropout = attn.dropout if self.training else 0.
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=causal, dropout_p=dropout).to(x.dtype)
        # ... plus the gated prefix attention on the same query, before the one output projection.
        first, stop = window.first_row, window.first_row + window.rows
        index = self.__dict__["_adaptor_index"]
        if first == 0 and stop == attended.shape[0]:
            attended = window.gated(index, q, attended, start)  # S + g_l S'
        else:
            gated = window.gated(index, q[first:stop], attended[first:stop], start)
            attended = torch.cat([attended[:first], gated, attended[stop:]])
        return self.dropout1(attn.out_proj(_merge_heads(attended)))


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
        self.current: tp.Optional[tp.Tuple[PrefixWindow, int]] = None  # window and first step of this call

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
        for index, layer in enumerate(layers):
            layer.__dict__["_adaptor"] = self  # plain references: no module cycle in state dicts
            layer.__dict__["_adaptor_index"] = index

    def prefix_stream(self, joint: torch.Tensor, mask: torch.Tensor
                      ) -> tp.List[tp.Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Run the prefix through the frozen layers; returns per layer ``(Q^p, K^p, V^p)``, each ``[B, H, T, D_h]``.

        Args:
            joint: joint visual embedding ``[B, T, d1 + d2]`` (zeros where no frame is valid).
            mask: ``[B, T]`` valid frames; invalid positions are never attended to and get ``Q^p = 0``.
        Raises:
            ValueError: for a prefix longer than ``max_frames``.
        """
        B, T, _ = joint.shape
        if T > self.max_frames:
            raise ValueError(f"The visual condition has {T} frames, more than the adaptor's max_frames="
                             f"{self.max_frames}; generate long videos in windows.")
        valid = mask.bool()
        key_mask = self._key_mask(valid)
        joint = joint.to(self.h0.dtype)  # the visual condition follows the model's dtype
        hidden = self.h0[:T].unsqueeze(0).expand(B, -1, -1)
        outputs = []
        for index, layer in enumerate(self._layers):
            attn = layer.self_attn
            z = self.joint_proj[index](joint + self.pos_emb[index, :T])
            projected = F.linear(layer.norm1(hidden) + z, attn.in_proj_weight, attn.in_proj_bias)
            q, k, v = _split_qkv(projected, attn.num_heads)
            if key_mask is not None:
                q = q * valid[:, None, :, None]
            outputs.append((q, k, v))
            if index + 1 < len(self._layers):  # the last layer's prefix output is never used
                attended = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask)
                hidden = hidden + layer.layer_scale_1(layer.dropout1(attn.out_proj(_merge_heads(attended))))
                hidden = hidden + layer.layer_scale_2(layer._ff_block(layer.norm2(hidden)))
        return outputs

    @staticmethod
    def _key_mask(valid: torch.Tensor) -> tp.Optional[torch.Tensor]:
        """``[B, 1, 1, T]`` attention mask of valid prefix keys (all keys for null items), None if all valid."""
        if bool(valid.all()):
            return None
        return (valid | ~valid.any(dim=1, keepdim=True))[:, None, None, :]

    def _window(self, joint: torch.Tensor, mask: torch.Tensor) -> tp.Optional[PrefixWindow]:
        layout = _batch_layout(joint, mask)
        if layout is None:
            return None
        first, repeats, distinct = layout
        outputs = self.prefix_stream(joint[first:first + distinct], mask[first:first + distinct])
        valid = mask[first:first + repeats * distinct].bool().any(dim=1).to(self.gates.dtype)
        scales = self.gates[:, None] * valid[None]
        return PrefixWindow(queries=[q.unsqueeze(2) for q, _, _ in outputs], keys=[k for _, k, _ in outputs],
                            values=[v for _, _, v in outputs],
                            key_mask=self._key_mask(mask[first:first + distinct].bool()),
                            scales=scales.view(-1, repeats, distinct, 1, 1, 1), first_row=first,
                            repeats=repeats, distinct=distinct)

    def attach(self, condition: tp.Optional[ConditionType], start: int, length: int) -> None:
        """Make the adapted layers add the visual branch for audio steps ``start .. start + length - 1``.

        The prefix is computed on the first call of a window (kept in the streaming state) and reused
        by the following steps, which only record ``start``.

        Args:
            condition: ``(joint [B, T, d1 + d2], mask [B, T])`` from the visual conditioner, or None.
            start: absolute index of the first step of this call (non-zero while streaming).
            length: number of steps in this call.
        """
        if condition is None or condition[0].shape[1] == 0:
            self.current = None
            return
        if self._is_streaming and "window" in self._streaming_state:
            window = self._streaming_state["window"]
        else:
            window = self._window(*condition)
            if self._is_streaming:
                self._streaming_state["window"] = window  # type: ignore[assignment]
        self.current = None if window is None else (window, start)

    def release(self) -> None:
        """Forget the current call's window (the streaming state keeps it while streaming)."""
        self.current = None


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
        start = self._streaming_state.get("prefix_step", 0)  # a Python int: no device sync per step
        fused, cross = super().forward(input, others)
        if self._is_streaming:
            self._streaming_state["prefix_step"] = start + input.shape[1]  # type: ignore[assignment]
        if self.prefix_sink is not None:
            self.prefix_sink(conditions.get(name) if name else None, start, input.shape[1])
        return fused, cross
