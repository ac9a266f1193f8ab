"""Export a trained Expotion XP to a folder that ``ExpotionGen.get_pretrained(OUT_DIR)`` loads.

    python -m audiocraft_expotion.export SIG_OR_PATH OUT_DIR [--last]

SIG_OR_PATH is a dora XP signature, an XP folder or a ``checkpoint.th``. The export holds the
config, the trained adaptor tensors (best state by default) and the name of the frozen MusicGen
base; the base weights are not copied (they load from the hub / local folder named there). The
config's ``expotion.extractors`` records the extractors of the training features (name, version,
settings, weights checksum, width, fps; set by the solver from ``expotion.data``), read back with
:func:`audiocraft_expotion.data.extractor_record.read_extractor_record` so generation extracts the same.
"""
import pickle
import re
import sys
import typing as tp
from pathlib import Path

from .names import XP_CHECKPOINT, XP_SIGNATURE
from .utils.cli import ArgumentParser
from .utils.paths import check_output_folder, is_xp_folder

if tp.TYPE_CHECKING:
    import omegaconf
    import torch

def find_checkpoint(sig_or_path: str) -> Path:
    """The ``checkpoint.th`` of a dora signature, an XP folder or the file itself.

    A missing path that is no signature is reported without importing torch / audiocraft; a signature
    is looked up by dora.

    Raises:
        FileNotFoundError: no such file or folder and no XP with that signature, or an XP without checkpoint.
    """
    path = Path(sig_or_path)
    if path.is_file():
        return path
    if path.is_dir():
        if not is_xp_folder(path):
            raise FileNotFoundError(f"{path}: not a dora XP folder (it holds neither {XP_CHECKPOINT} nor dora's "
                                    "command line); pass the folder of a training run, its signature or a checkpoint.")
        candidate = path / XP_CHECKPOINT
    elif not re.fullmatch(XP_SIGNATURE, sig_or_path):
        raise FileNotFoundError(f"{sig_or_path}: no such checkpoint file or XP folder, nor a dora XP signature "
                                "(8 hex digits).")
    else:
        from .train import main
        try:
            candidate = main.get_xp_from_sig(sig_or_path).folder / XP_CHECKPOINT
        except RuntimeError as exc:  # dora: "Could not find experiment with signature ..."
            raise FileNotFoundError(f"{sig_or_path}: no XP with this signature in "
                                    f"{Path(main.dora.dir).resolve()}.") from exc
    if not candidate.is_file():
        raise FileNotFoundError(f"{candidate}: no checkpoint (has the XP trained for one epoch?).")
    return candidate


def adaptor_state(cfg: "omegaconf.DictConfig", model_state: tp.Dict[str, "torch.Tensor"]
                  ) -> tp.Dict[str, "torch.Tensor"]:
    """The solver's trainable state (keys ``adaptor.*``, ``visual.*``) under the LM's parameter names."""
    visual = cfg.fuser.prefix[0]
    prefixes = {"adaptor.": "adaptor.", "visual.": f"condition_provider.conditioners.{visual}."}
    renamed = {}
    for key, value in model_state.items():
        head = next((p for p in prefixes if key.startswith(p)), None)
        if head is None:
            raise ValueError(f"Unexpected tensor '{key}' in the checkpoint's trainable state.")
        renamed[prefixes[head] + key[len(head):]] = value
    return renamed


def export(sig_or_path: str, out_dir: tp.Union[str, Path], use_best: bool = True) -> Path:
    """Write ``out_dir/expotion_state_dict.bin`` from an XP checkpoint; returns its path.

    Raises:
        FileNotFoundError: see :func:`find_checkpoint`.
        ValueError: ``out_dir`` is an existing file, the checkpoint cannot be read, or it has no MusicGen base.
    """
    check_output_folder(out_dir)
    checkpoint = find_checkpoint(sig_or_path)
    import omegaconf
    import torch
    from .models.loaders import save_checkpoint
    from .solvers.expotion import base_model_name
    try:
        package = torch.load(checkpoint, map_location="cpu", weights_only=False)
    except (EOFError, RuntimeError, pickle.UnpicklingError) as exc:
        raise ValueError(f"{checkpoint}: not a readable checkpoint ({type(exc).__name__}: {exc}).") from exc
    cfg = omegaconf.OmegaConf.create(package["xp.cfg"])
    base = base_model_name(cfg)
    if base is None:
        raise ValueError(f"{checkpoint}: the XP has no MusicGen base (expotion.base / continue_from), "
                         "so its frozen weights cannot be found again.")
    state = package["best_state"]["model"] if use_best and package.get("best_state") else package["model"]
    return save_checkpoint(out_dir, cfg, adaptor_state(cfg, state), base)


def main(argv: tp.Optional[tp.List[str]] = None) -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xp", help="dora signature, XP folder or checkpoint.th")
    parser.add_argument("out_dir")
    parser.add_argument("--last", action="store_true", help="export the last state instead of the best one")
    args = parser.parse_args(argv)
    try:
        path = export(args.xp, args.out_dir, use_best=not args.last)
    except (OSError, ValueError, KeyError) as exc:  # OSError: a missing checkpoint, OUT_DIR that is a file
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Exported to {path}; load it with ExpotionGen.get_pretrained('{args.out_dir}').")
    return 0


if __name__ == "__main__":
    sys.exit(main())
