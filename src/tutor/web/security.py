"""Who may open the page: credentials, a login guard with backoff, and the exposure warning.

The rest of "closed by default" lives where it acts: serve.py binds to 127.0.0.1, turns uploads,
run history and telemetry off; the page's own events are private (not in the API); the model
picker is read-only without --allow-model-switch (settings.py); votes are bounded (feedback.py).

"Private" keeps an event out of the API docs and gradio_client; the page itself still calls its
events over HTTP, and so can anyone who can open the page. So each handler keeps its own limits
rather than trusting the page: votes are bounded and rate-limited, the switch handler refuses
without the flag, a page may have at most five questions waiting, and what a reload restores is
checked and bounded.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import OrderedDict
from pathlib import Path

from ..config import TutorError

EXPOSED = ("warning: the tutor listens on {host} without --auth, so anyone who can reach this "
           "address can use it; add --auth-file PATH or set TUTOR_AUTH=user:password")


def parse_auth(text: str) -> tuple[str, str]:
    user, sep, password = text.strip("\r\n").partition(":")
    if not sep or not user or not password:
        raise TutorError("--auth must look like user:password")
    return user, password


def read_credentials(auth: str | None, auth_file: Path | None, env: str | None) -> tuple[str, str] | None:
    """user:password from --auth, else from the first line of --auth-file, else from TUTOR_AUTH
    (the last two keep the password out of the process list and the shell history)."""
    if auth:
        return parse_auth(auth)
    if auth_file:
        try:
            lines = Path(auth_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise TutorError(f"cannot read --auth-file {auth_file}: {getattr(e, 'strerror', None) or e}") from None
        if not lines:
            raise TutorError(f"--auth-file {auth_file} is empty; write user:password on its first line")
        try:
            return parse_auth(lines[0])
        except TutorError:
            raise TutorError(f"the first line of --auth-file {auth_file} must look like user:password") from None
    if env:
        try:
            return parse_auth(env)
        except TutorError:
            raise TutorError("TUTOR_AUTH must look like user:password") from None
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoginGuard:
    """Gradio's auth callable. Compares in constant time; after a failed attempt the user name
    must wait 1 s, then 2, 4, ... up to `max_wait` before another attempt is even checked.
    (Per user name, not per address: someone can slow a known user's logins, not guess faster.)"""

    def __init__(self, credentials: tuple[str, str], clock=time.monotonic, max_wait: float = 300.0,
                 max_names: int = 10_000):
        self.user, self.password = credentials
        self.clock = clock
        self.max_wait = max_wait
        self.max_names = max_names
        self.failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # name -> (failures, not before)
        self.lock = threading.Lock()

    def __call__(self, username: str, password: str) -> bool:
        now = self.clock()
        name = str(username)[:200]
        with self.lock:
            count, not_before = self.failures.get(name, (0, 0.0))
            if now < not_before:
                return False
            ok = hmac.compare_digest(name.encode(), self.user.encode()) & \
                hmac.compare_digest(str(password).encode(), self.password.encode())
            if ok:
                self.failures.pop(name, None)
                return True
            count += 1
            self.failures[name] = (count, now + min(2.0 ** (count - 1), self.max_wait))
            self.failures.move_to_end(name)
            while len(self.failures) > self.max_names:
                self.failures.popitem(last=False)
            return False

    def wait_for(self, username: str) -> float:
        """Seconds before `username` may try again (0 = now)."""
        with self.lock:
            return max(0.0, self.failures.get(username, (0, 0.0))[1] - self.clock())
