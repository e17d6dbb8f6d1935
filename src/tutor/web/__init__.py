"""The browser chat, one module per job:

    page.py          build_app: the panels laid out, the /ask endpoint, the page's CSS and script
    chat.py          the chat panel and its events (ask, stop, new chat, reload, votes)
    conversation.py  one session's turns, the driver that writes them, what survives a reload
    lanes.py         route before waiting: graph answers at once, the model in a FIFO lane
    markup.py        a turn as Markdown: provenance, [n] links, compact sources, indicators
    progress.py      the tick boxes (kept in the browser), ticks per phase and overall, export/import
    roadmap_map.py   the Roadmap tab's map: phases > sections > steps, ticked and next marked
    topic.py         the step opened from the map: where, time, resources, neighbours, ask, tick
    plan.py          the Plan tab: a study plan from the ticks to a target, as .md and .ics downloads
    quiz.py          the Quiz tab: five questions, answers checked against the data, passed topics ticked
    settings.py      the model picker (registry, pull commands, switch) and the sliders
    feedback.py      votes and their log (bounded, rate-limited, rotated, valid after a kill)
    security.py      credentials, the login guard, the exposure warning
    serve.py         start (closed by default) and serve
"""

from .feedback import FeedbackLog
from .page import build_app
from .security import parse_auth
from .serve import serve, start
from .settings import ModelSwitcher

__all__ = ["build_app", "serve", "start", "FeedbackLog", "ModelSwitcher", "parse_auth"]
