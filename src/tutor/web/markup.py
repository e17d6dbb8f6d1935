"""How a turn looks in the chat: Markdown with a little HTML, which Gradio sanitizes.

- Provenance: the model's explanation follows its label (tutor.EXPLANATION) in a blockquote;
  the page's CSS (page.py) shows it quieter than the data above it.
- Inline [n] markers link to their source (#src-<turn>-<n>) once the answer is complete.
- Sources: a short location (the last two breadcrumb levels) with the full path on hover, no
  duplicates, and none whose link the answer already shows unless a marker points at it; inside
  a <details> that the page opens on wide screens only, so on a phone the answer comes first.
- An unfinished answer carries a `.unfinished` mark (the working indicator, or "stopped"); the
  page hides the vote and copy buttons of those messages.
"""

from __future__ import annotations

import html
import re

from .conversation import Turn

MARKER = re.compile(r"\[(\d+)\](?!\()")  # [2], but not a Markdown link's [text](url)
WAITING = {
    "new": "Reading the question…",
    "reading": "Reading the question…",
    "model": "Waiting for the model…",
    "writing": "The model is writing an explanation…",
}


def messages(turns: list[Turn]) -> list[dict]:
    """The chat: two messages a turn, always, so a message index names its turn."""
    out = []
    for turn in turns:
        out.append({"role": "user", "content": turn.question})
        out.append({"role": "assistant", "content": answer(turn)})
    return out


def answer(turn: Turn) -> str:
    if turn.status == "done":
        target = source_targets(turn.sources, turn.text)
        text = link_markers(turn.text, turn.n, target)
        return text + "\n\n" + sources_html(turn.n, turn.sources, target) if target else text
    if turn.status == "failed":
        return turn.text + '\n\n<span class="unfinished"></span>'
    if turn.status == "stopped":
        text = turn.text + "\n\n" if turn.text else ""
        return text + '<span class="unfinished stopped">⏹ Stopped before the answer was complete.</span>'
    note = WAITING.get(turn.status, "Working…")
    if turn.status in ("model", "waiting") and turn.place:
        note = "Waiting for the model: " + ("next in line…" if turn.place == 1 else f"{ordinal(turn.place)} in line…")
    text = turn.text + "\n\n" if turn.text else ""
    return text + f'<span class="unfinished working">⏳ {note}</span>'


def short_location(breadcrumb: str) -> str:
    return " › ".join(breadcrumb.split(" › ")[-2:])


def source_targets(sources: list[dict], text: str) -> dict[int, int]:
    """Source number -> the number of the listed source it is shown as. A duplicate (same link,
    or same place without a link) points at the first; a source whose link the answer already
    shows is left out unless a marker cites it."""
    cited = {int(n) for n in MARKER.findall(text)}
    first: dict[str, int] = {}
    target: dict[int, int] = {}
    for n, s in enumerate(sources, 1):
        key = s.get("url") or s.get("breadcrumb", "")
        if key in first:
            target[n] = first[key]
            continue
        if s.get("url") and f"]({s['url']})" in text and n not in cited:
            continue
        first[key] = target[n] = n
    return target


def link_markers(text: str, turn_n: int, target: dict[int, int]) -> str:
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in target:
            return m.group(0)
        return f'<a class="cite" href="#src-{turn_n}-{target[n]}" aria-label="source {n}">[{n}]</a>'

    return MARKER.sub(link, text)


def sources_html(turn_n: int, sources: list[dict], target: dict[int, int]) -> str:
    """One block of raw HTML (no blank lines, so Markdown leaves it alone)."""
    items = []
    for n, s in enumerate(sources, 1):
        if target.get(n) != n:
            continue
        full = html.escape(s.get("breadcrumb", ""), quote=True)
        short = html.escape(short_location(s.get("breadcrumb", "")) or s.get("title", ""))
        place = f'<a href="{html.escape(s["url"], quote=True)}" title="{full}">{short}</a>' if s.get("url") \
            else f'<span title="{full}">{short}</span>'
        items.append(f'<li id="src-{turn_n}-{n}"><span class="n">[{n}]</span> {place}</li>')
    return (f'<details class="sources"><summary>Sources ({len(items)})</summary>'
            f'<ul>{"".join(items)}</ul></details>')


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
