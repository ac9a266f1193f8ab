"""Web demo (gradio): ``python -m audiocraft_expotion.generate.app [--port 7860] [--share] [model options]``.

Needs ``pip install ".[demo]"``. Upload a video, type a prompt, pick the text guidance and a seed,
watch the progress, and get the music video, the plot of the feature curves against the music's
onsets, and the wav. Served on 127.0.0.1 only unless ``--share`` (a public gradio link); when the
port is taken the next free one is used. One generation runs at a time; results live in
``--workdir`` (default: a temporary folder). The uploaded video is never modified.
"""
import argparse
import socket
import sys
import tempfile
import typing as tp
import uuid
from pathlib import Path

from ..data.clip_info import GENERIC_PROMPT
from ..media.container import MediaError
from ..utils.cli import ArgumentParser
from .args import add_generator_args, generator_from_args

if tp.TYPE_CHECKING:  # torch and audiocraft load with the model, once the options and the model name are checked
    from .pipeline import ExpotionGenerator

HOST = "127.0.0.1"
PORTS_TRIED = 100


def free_port(start: int, host: str = HOST, tries: int = PORTS_TRIED) -> int:
    """The first port from ``start`` on that ``host`` can listen on.

    Raises:
        ValueError: none of ``start .. start + tries - 1`` is free.
    """
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise ValueError(f"no free port in {start}..{start + tries - 1} on {host}; pass another --port.")


def build_demo(generator: "ExpotionGenerator", workdir: tp.Union[str, Path]):
    """The gradio ``Blocks`` of the demo, generating with ``generator`` into sub-folders of ``workdir``."""
    import gradio as gr

    workdir = Path(workdir)

    def generate(video: tp.Optional[str], prompt: str, guidance: float, seed: float,
                 progress=gr.Progress(track_tqdm=True)) -> tp.Tuple[str, str, str]:
        if not video:
            raise gr.Error("Upload a video first.")
        job = workdir / uuid.uuid4().hex
        try:
            result = generator(video, prompt.strip() or GENERIC_PROMPT, job / f"{Path(video).stem}_expotion.mp4",
                               seed=int(seed), cfg_text=guidance)  # no feature cache: each upload is new
        except (MediaError, ValueError) as exc:  # FeatureFileError is a ValueError
            raise gr.Error(str(exc).replace(str(Path(video).parent) + "/", "")) from exc
        return str(result.video), str(result.plot), str(result.wav)

    with gr.Blocks(title="Expotion demo", analytics_enabled=False) as demo:
        gr.Markdown("# Expotion: music that follows faces and motion\n"
                    "Upload a video and describe the music; the music is generated for the video's duration "
                    "and put under its picture.")
        if generator.notice:
            gr.Markdown(generator.notice.replace("\n", "\n\n"), elem_id="notice")
        with gr.Row():
            with gr.Column():
                video = gr.Video(label="Video", sources=["upload"], elem_id="input-video")
                prompt = gr.Textbox(label="Prompt", value=GENERIC_PROMPT, elem_id="prompt")
                guidance = gr.Slider(0., 10., value=generator.cfg_text, step=0.5, label="Text guidance (CFG)",
                                     elem_id="guidance")
                seed = gr.Number(value=0, precision=0, label="Seed (same seed, same music)", elem_id="seed")
                button = gr.Button("Generate", variant="primary", elem_id="generate")
            with gr.Column():
                music_video = gr.Video(label="Music video", interactive=False, elem_id="music-video")
                plot = gr.Image(label="Feature curves, waveform and onsets", type="filepath", interactive=False,
                                elem_id="plot")
                wav = gr.File(label="Music (wav)", interactive=False, elem_id="wav")
        button.click(generate, [video, prompt, guidance, seed], [music_video, plot, wav])
    return demo.queue(default_concurrency_limit=1)


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m audiocraft_expotion.generate.app", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=7860, help="first port to try on 127.0.0.1 (default 7860)")
    parser.add_argument("--share", action="store_true", help="also serve on a public gradio.live link")
    parser.add_argument("--workdir", type=Path, default=None, help="results (default: a temporary folder)")
    add_generator_args(parser)
    args = parser.parse_args(argv)
    from .model_choice import resolve_model_name
    try:
        resolve_model_name(args.model)  # no torch: a wrong --model fails at once
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        import gradio  # noqa: F401
    except ImportError:
        print('error: the web demo needs gradio: pip install ".[demo]"', file=sys.stderr)
        return 2
    try:
        port = free_port(args.port)
        generator = generator_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if generator.notice:
        print(generator.notice, flush=True)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="expotion_demo_"))
    if port != args.port:
        print(f"port {args.port} is busy; using {port}", flush=True)
    build_demo(generator, workdir).launch(server_name=HOST, server_port=port, share=args.share,
                                          allowed_paths=[str(workdir.resolve())])
    return 0


if __name__ == "__main__":
    sys.exit(main())
