"""ExpotionLM: audiocraft's LMModel with the Expotion condition adaptor on its last L layers."""
import typing as tp
from copy import deepcopy

import torch
from audiocraft.models.lm import LMModel
from audiocraft.modules.codebooks_patterns import CodebooksPatternProvider
from audiocraft.modules.conditioners import ConditioningAttributes, ConditioningProvider, DropoutModule

from ..modules.adaptor import AdaptedTransformerLayer, ConditionAdaptor, PrefixFuser
from ..modules.conditions import nullify_visual
from ..modules.visual_conditioner import VisualConditioner


class VisualDropout(DropoutModule):
    """In training, replace each sample's visual condition by the null one with probability ``p``.

    A null visual condition switches the adaptor off for that sample (the frozen MusicGen), which
    is the ``text_only`` branch of visual guidance; it needs no training, so ``p = 0`` is the default.
    A sample dropped here trains nothing of the adaptor; use it to regularise small datasets.
    """
    def __init__(self, p: float, condition: str, seed: int = 1234):
        super().__init__(seed=seed)
        self.p = p
        self.condition = condition

    def forward(self, samples: tp.List[ConditioningAttributes]) -> tp.List[ConditioningAttributes]:
        if not self.training or self.p == 0:
            return samples
        samples = deepcopy(samples)
        for sample in samples:
            if self.condition in getattr(sample, "visual", {}) and torch.rand(1, generator=self.rng).item() < self.p:
                sample.visual[self.condition] = nullify_visual(sample.visual[self.condition])
        return samples


class ExpotionLM(LMModel):
    """A MusicGen language model whose visual condition is fused by the condition adaptor.

    Training, ``compute_predictions`` and streaming ``generate`` are audiocraft's, unchanged: the
    visual condition reaches the adaptor through the ``prefix`` fuse method of :class:`PrefixFuser`.
    All MusicGen parameters (embeddings, transformer, text conditioner, output heads) are frozen at
    construction; only the adaptor and the visual conditioner's W_f / W_m train.

    Args:
        pattern_provider, condition_provider, fuser: as :class:`LMModel`; ``fuser`` must route one
            :class:`VisualConditioner` with ``prefix``.
        adaptor_layers: L, number of last decoder layers that get the adaptor; None = all layers,
            as in CoCoMulla's released configuration (L = 48 for 48-layer MusicGen).
        max_frames: longest visual prefix in LM frames (1000 = 20 s at 50 Hz).
        visual_dropout: probability of training a sample without its visual condition (:class:`VisualDropout`).
        **kwargs: :class:`LMModel` arguments (dim, num_heads, num_layers, ...).
    """
    def __init__(self, pattern_provider: CodebooksPatternProvider, condition_provider: ConditioningProvider,
                 fuser: PrefixFuser, adaptor_layers: tp.Optional[int] = None, max_frames: int = 1000,
                 visual_dropout: float = 0., **kwargs):
        if not isinstance(fuser, PrefixFuser) or fuser.prefix_condition is None:
            raise ValueError("ExpotionLM needs a PrefixFuser with the visual condition under 'prefix'.")
        name = fuser.prefix_condition
        conditioner = condition_provider.conditioners[name] if name in condition_provider.conditioners else None
        if not isinstance(conditioner, VisualConditioner):
            raise ValueError(f"The 'prefix' condition '{name}' must be a visual conditioner (model: expotion_visual).")
        super().__init__(pattern_provider, condition_provider, fuser, layer_class=AdaptedTransformerLayer, **kwargs)
        layers = self.transformer.layers
        num_adapted = len(layers) if adaptor_layers is None else int(adaptor_layers)
        if not 1 <= num_adapted <= len(layers):
            raise ValueError(f"adaptor_layers must be in [1, {len(layers)}], got {adaptor_layers}.")
        self.visual_condition = name
        self.adaptor = ConditionAdaptor(self.dim, conditioner.joint_dim, num_adapted, max_frames)
        self.adaptor.to(device=self.linears[0].weight.device, dtype=self.linears[0].weight.dtype)
        self.adaptor.bind(layers[len(layers) - num_adapted:])
        fuser.prefix_sink = self.adaptor.attach
        # audiocraft applies att_dropout to the conditions of every training batch: chain ours after it
        self.att_dropout = torch.nn.Sequential(self.att_dropout, VisualDropout(visual_dropout, name))
        self._visual_guidance: tp.Optional[tp.Tuple[float, float]] = None
        self.freeze_base()

    @torch.no_grad()
    def generate(self, *args, cfg_coef_visual: tp.Optional[float] = None, **kwargs) -> torch.Tensor:
        """:meth:`LMModel.generate`, with optional separate guidance on the visual condition.

        Without ``cfg_coef_visual`` this is audiocraft's classifier-free guidance on the text, the
        visual condition being present in both branches (as in the paper). With it, three branches
        are combined: ``uncond + a * (text_only - uncond) + b * (full - text_only)`` where
        ``a = cfg_coef``, ``b = cfg_coef_visual``, ``text_only`` has a null visual condition (it is
        the frozen MusicGen) and ``uncond`` has null text and null visual conditions.
        """
        if cfg_coef_visual is None:
            return super().generate(*args, **kwargs)
        text_coef = self.cfg_coef if kwargs.get("cfg_coef") is None else kwargs["cfg_coef"]
        if text_coef == 0 or kwargs.get("two_step_cfg") or (self.two_step_cfg and kwargs.get("two_step_cfg") is None):
            raise ValueError("Visual guidance needs cfg_coef != 0 and two_step_cfg=False.")
        self._visual_guidance = (float(text_coef), float(cfg_coef_visual))
        try:
            return super().generate(*args, **kwargs)
        finally:
            self._visual_guidance = None

    def forward(self, sequence: torch.Tensor, conditions, condition_tensors=None, stage: int = -1) -> torch.Tensor:
        """:meth:`LMModel.forward`; during visually guided generation, the CFG batch ``[cond; null]``
        (2B) is evaluated as three branches and returned as ``[C'; U']`` such that audiocraft's
        ``U' + a (C' - U')`` is the three-branch guidance of :meth:`generate`."""
        try:
            return self._forward(sequence, conditions, condition_tensors, stage)
        finally:
            self.adaptor.release()  # the window stays in the streaming state, not in the layers

    def _forward(self, sequence: torch.Tensor, conditions, condition_tensors, stage: int) -> torch.Tensor:
        if self._visual_guidance is None or not condition_tensors:
            return super().forward(sequence, conditions, condition_tensors, stage)
        text_coef, visual_coef = self._visual_guidance
        B = sequence.shape[0] // 2
        cond, null = torch.arange(B, device=sequence.device), torch.arange(B, 2 * B, device=sequence.device)
        order = torch.cat([cond, cond, null])  # full, text only, unconditional
        tensors = {k: (v[0][order], v[1][order]) for k, v in condition_tensors.items()}
        joint, mask = tensors[self.visual_condition]
        keep = torch.zeros(3 * B, device=joint.device, dtype=joint.dtype)
        keep[:B] = 1
        tensors[self.visual_condition] = (joint * keep[:, None, None], mask * keep[:, None].to(mask.dtype))
        full, text_only, uncond = super().forward(sequence[order], conditions, tensors, stage).split(B)
        return torch.cat([text_only + (visual_coef / text_coef) * (full - text_only), uncond])

    def is_trainable(self, parameter_name: str) -> bool:
        """True for the adaptor's and the visual conditioner's parameters, False for MusicGen's."""
        return parameter_name.startswith(("adaptor.", f"condition_provider.conditioners.{self.visual_condition}."))

    def freeze_base(self) -> None:
        """Freeze every MusicGen parameter, leave the adaptor and W_f / W_m trainable."""
        for name, param in self.named_parameters():
            param.requires_grad_(self.is_trainable(name))

    def trainable_state_dict(self) -> tp.Dict[str, torch.Tensor]:
        """The adaptor's and the visual conditioner's tensors only (what an Expotion checkpoint stores)."""
        return {k: v for k, v in self.state_dict().items() if self.is_trainable(k)}

    def parameter_counts(self) -> tp.Dict[str, tp.Union[int, float]]:
        """Trainable and total parameter counts, and the trainable percentage."""
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        return {"trainable": trainable, "total": total, "trainable_percent": 100. * trainable / total}
