"""Names every layer shares: type names of the Expotion parts in audiocraft configs (``lm_model``,
conditioner ``model``, ``solver``), the visual modalities, the exported checkpoint file, ``--model`` names.

A leaf: it imports nothing, so any module (down to ``modules/`` and ``data/``, or a CLI before torch) may use it.
"""
LM_MODEL = "expotion_lm"
"""``lm_model`` of an Expotion LM config (:class:`~audiocraft_expotion.models.lm.ExpotionLM`)."""
VISUAL_CONDITIONER = "expotion_visual"
"""``model`` of the visual conditioner (:class:`~audiocraft_expotion.modules.visual_conditioner.VisualConditioner`)."""
SOLVER = "expotion"
"""``solver`` of an Expotion training config (:class:`~audiocraft_expotion.solvers.expotion.ExpotionSolver`)."""
MODALITIES = ("face", "motion")
"""The visual modalities, in the order the visual conditioner concatenates them."""
DEMO_MODEL = "demo"
"""``--model`` name of the offline demo model shipped in ``generate/demo_model``."""
CHECKPOINT_NAME = "expotion_state_dict.bin"
"""The file of an exported Expotion model folder (:func:`~audiocraft_expotion.models.loaders.save_checkpoint`)."""
XP_CHECKPOINT = "checkpoint.th"
"""The checkpoint file of a dora XP (training) folder, what ``export`` reads."""
XP_ARGV_FILE = ".argv.json"
"""Written by dora into every XP folder when the XP starts (the XP's command line)."""
XP_SIGNATURE = r"[0-9a-f]{8}"
"""A dora XP signature (regular expression): the first 8 hex digits of a SHA-1."""
MUSICGEN_SHORT_NAMES = {"small": "facebook/musicgen-small", "medium": "facebook/musicgen-medium",
                        "large": "facebook/musicgen-large"}
"""Short ``--model`` names of the MusicGen hub models."""

