"""Pure functions: question + sources + history -> chat messages that fit the context window.

The system prompt never changes, so llama.cpp reuses its evaluated prefix between questions.
Sources are short (a small model repeats itself and garbles facts in long contexts), numbered
so that citations can be checked, and carry no URLs: links are shown from the data, never
copied by the model.
"""

from __future__ import annotations

from collections.abc import Callable

from .retrieve import Hit

SYSTEM = (
    "You are a friendly study tutor for a Generative AI learning roadmap. "
    "Answer in one to three short sentences, using only the numbered sources. "
    "Cite the sources you use like [1]. Do not write links. "
    "If the sources do not answer the question, say so."
)


def source_block(hits: list[Hit], chars: int) -> str:
    lines = []
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        body = c.text.split("\n", 1)[-1] if c.text.startswith(c.breadcrumb) else c.text
        body = " ".join(body.replace("**", "").split())
        if len(body) > chars:
            body = body[:chars].rsplit(" ", 1)[0] + " ..."
        # Every token here is read before the first word is written (about 85 a second on one
        # core), so a source is its title once and its text; the learner sees where it sits.
        lines.append(f"[{n}] {body}" if body.startswith(c.title) else f"[{n}] {c.title}: {body}")
    return "\n".join(lines)


def build_messages(
    question: str,
    hits: list[Hit],
    history: list[dict],
    *,
    n_ctx: int,
    max_tokens: int,
    context_chars: int,
    history_turns: int,
    count: Callable[[str], int],
) -> tuple[list[dict], list[Hit]]:
    """Messages for the model and the hits actually included (fewer when the window is small).

    Budget: n_ctx - max_tokens - a margin for the chat template. Sources go first (the answer
    depends on them), dropping the lowest ranked until they fit; then the newest history turns.
    """
    budget = n_ctx - max_tokens - 48
    used = list(hits)
    while True:
        user = f"Sources:\n{source_block(used, context_chars)}\n\nQuestion: {question}" if used else question
        fixed = count(SYSTEM) + count(user) + 8
        if fixed <= budget or not used:
            break
        used.pop()
    if fixed > budget:  # a huge question: keep its start
        user = user[: max(200, budget * 3)]
        fixed = budget
    turns = []
    for msg in reversed(history[-history_turns:] if history_turns else []):
        cost = count(msg["content"]) + 8
        if fixed + cost > budget:
            break
        turns.insert(0, {"role": msg["role"], "content": msg["content"]})
        fixed += cost
    return [{"role": "system", "content": SYSTEM}, *turns, {"role": "user", "content": user}], used
