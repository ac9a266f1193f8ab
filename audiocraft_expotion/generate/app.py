"""Web demo: ``python -m audiocraft_expotion.generate.app [--port 7860] [model options]``.

A small standard-library HTTP app on 127.0.0.1 only. The page (:mod:`.page`) posts the uploaded
video's bytes to ``/generate?name=..&prompt=..&seed=..``; the server runs an
:class:`ExpotionGenerator` (one generation at a time) and answers with the URLs of the MP4, wav and
PNG, served from ``/files/<job>/<file>``. Uploads and results live in ``--workdir`` (default: a
temporary folder).
"""
import argparse
import html
import json
import mimetypes
import re
import sys
import tempfile
import threading
import typing as tp
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from ..data.clip_info import GENERIC_PROMPT
from ..data.feature_io import FeatureFileError, atomic_write_bytes
from ..features import VideoError
from .args import add_generator_args, generator_from_args
from .page import PAGE
from .pipeline import ExpotionGenerator

HOST = "127.0.0.1"
MAX_UPLOAD_BYTES = 500 * 2 ** 20


def safe_name(name: str) -> str:
    """A file name made of ``[A-Za-z0-9._-]`` only, keeping the suffix (``upload.mp4`` if nothing is left)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name).lstrip(".")
    return cleaned or "upload.mp4"


class DemoHandler(BaseHTTPRequestHandler):
    """Routes: ``GET /`` (page), ``POST /generate`` (upload + generate), ``GET /files/<job>/<file>``."""
    generator: ExpotionGenerator
    workdir: Path
    lock: threading.Lock

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: tp.Dict[str, tp.Any]) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path == "/":
            page = PAGE.replace("__NOTICE__", html.escape(self.generator.notice or ""))
            self._send(HTTPStatus.OK, page.replace("__PROMPT__", html.escape(GENERIC_PROMPT)).encode(),
                       "text/html; charset=utf-8")
            return
        file = (self.workdir / path.removeprefix("/files/")).resolve()
        if not path.startswith("/files/") or self.workdir not in file.parents or not file.is_file():
            self._json(HTTPStatus.NOT_FOUND, {"error": f"not found: {path}"})
            return
        self._send(HTTPStatus.OK, file.read_bytes(), mimetypes.guess_type(file.name)[0] or "application/octet-stream")

    def do_POST(self) -> None:
        url = urlparse(self.path)
        if url.path != "/generate":
            self._json(HTTPStatus.NOT_FOUND, {"error": f"not found: {url.path}"})
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        size = int(self.headers.get("Content-Length") or 0)
        if not 0 < size <= MAX_UPLOAD_BYTES:
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"upload a video of 1 byte to {MAX_UPLOAD_BYTES} bytes"})
            return
        job = self.workdir / uuid.uuid4().hex
        upload = job / safe_name(query.get("name", ""))
        data = self.rfile.read(size)
        atomic_write_bytes(upload, lambda f: f.write(data))
        try:
            with self.lock:
                result = self.generator(upload, query.get("prompt") or GENERIC_PROMPT,
                                        job / f"{upload.stem}_expotion.mp4", seed=int(query.get("seed") or 0),
                                        cache=job, progress=False)
        except (VideoError, FeatureFileError, ValueError) as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc).replace(str(upload), upload.name)})
            return
        urls = {kind: f"/files/{job.name}/{getattr(result, kind).name}" for kind in ("video", "wav", "plot")}
        self._json(HTTPStatus.OK, {**urls, "notice": self.generator.notice})


def make_server(generator: ExpotionGenerator, port: int = 7860,
                workdir: tp.Optional[tp.Union[str, Path]] = None) -> ThreadingHTTPServer:
    """The demo server on ``127.0.0.1:port`` (``port=0``: any free port); call ``serve_forever()``."""
    folder = Path(workdir or tempfile.mkdtemp(prefix="expotion_demo_")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    handler = type("BoundDemoHandler", (DemoHandler,),
                   {"generator": generator, "workdir": folder, "lock": threading.Lock()})
    return ThreadingHTTPServer((HOST, port), handler)


def main(argv: tp.Optional[tp.Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audiocraft_expotion.generate.app", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=7860, help="port on 127.0.0.1 (default 7860)")
    parser.add_argument("--workdir", type=Path, default=None, help="uploads and results (default: a temp folder)")
    add_generator_args(parser)
    args = parser.parse_args(argv)
    generator = generator_from_args(args)
    server = make_server(generator, args.port, args.workdir)
    print(f"Expotion demo on http://{HOST}:{server.server_port}/", flush=True)
    if generator.notice:
        print(generator.notice, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
