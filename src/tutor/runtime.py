"""Settings -> live objects. The CLI and the web app call these; nothing else reads names or paths.

Each loader does one thing and says clearly what is missing. sentence-transformers and
llama.cpp are imported only inside the loaders that need them.
"""

from __future__ import annotations

import sys

from .config import Settings, TutorError
from .corpus import Corpus
from .embed import Gathering, load_embedder
from .index import Index, IndexProblem, build, load, staleness
from .llm import ChatModel, LlamaCppModel, OpenAIHTTPModel
from .models import find_model, read_registry, resolve_model_path
from .retrieve import Retriever
from .tutor import Tutor


def open_index(settings: Settings, embedder=None, progress: bool = True, rebuild: bool = False) -> tuple[Index, object]:
    """Load the index, rebuilding it first when it is missing, stale or broken.
    Returns (index, embedder); the embedder is loaded here because search needs it anyway."""
    embedder = embedder or load_embedder(settings.embedder)  # all cores: building wants them
    reason = "a rebuild was asked for" if rebuild else staleness(settings.index_dir, settings.corpus_dir, settings.embedder)
    if reason is None:
        try:
            return load(settings.index_dir), embedder
        except IndexProblem as e:
            reason = str(e)
    print(f"building the index ({reason})", file=sys.stderr)
    corpus = Corpus.load(settings.corpus_dir)
    return build(corpus, embedder, settings.index_dir, progress=progress), embedder


def open_model(settings: Settings) -> ChatModel:
    spec = find_model(read_registry(settings.models_file), settings.model)
    if settings.llm_url:
        return OpenAIHTTPModel(settings.llm_url, name=spec.name, n_ctx=min(settings.n_ctx, spec.n_ctx),
                               max_seconds=settings.max_answer_seconds)
    path = resolve_model_path(spec, settings.models_dir)
    return LlamaCppModel(path, name=spec.name, n_ctx=min(settings.n_ctx, spec.n_ctx),
                         threads=settings.threads, seed=settings.seed, chat_format=spec.chat_format,
                         max_seconds=settings.max_answer_seconds)


def open_tutor(settings: Settings, with_model: bool = True, progress: bool = True) -> Tutor:
    corpus = Corpus.load(settings.corpus_dir)
    # Answering embeds one question at a time per request, with as many threads as the model gets;
    # questions that come at once share passes.
    index, embedder = open_index(settings, Gathering(load_embedder(settings.embedder, settings.threads)), progress)
    retriever = Retriever(index, embedder, settings.rrf_k)
    model = open_model(settings) if with_model else None
    if model is not None:
        model.warm_up()
    tutor = Tutor(corpus, retriever, model, settings)
    tutor.facts.restore(settings.index_dir)  # the facts' vectors, if the index folder keeps them
    return tutor


__all__ = ["open_index", "open_model", "open_tutor", "TutorError"]
