"""The one place where user Markdown becomes HTML.

Python-Markdown renders, then nh3 (ammonia) keeps only an allow-list of tags, attributes
and URL schemes (`diaspora.markup_engine`). Every model stores the result beside its source,
so this runs once per edit.

Python-Markdown takes quadratic time on some input (thousands of unmatched `[` or `<`: a
49,000-character bio of `[` took seven minutes, and upstream has no fix planned). So the
rendering happens in a few worker processes with a time limit: a text that takes longer is
refused with a clear message, and the stuck worker is killed, not left burning a core.
"""

import os
import queue
import selectors
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


class MarkdownTooLarge(ValidationError):
    pass


class MarkdownTooComplex(ValidationError):
    pass


class _RenderTimeout(Exception):
    pass


class _Worker:
    """One `python -m diaspora.markup_engine` process, used by one caller at a time."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([_PROJECT_ROOT, *sys.path])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "diaspora.markup_engine"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=_PROJECT_ROOT,
        )

    def render(self, text: str, timeout: float) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None  # noqa: S101
        data = text.encode()
        self.process.stdin.write(b"%d\n" % len(data) + data)
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        header = self._read(deadline, until_newline=True)
        return self._read(deadline, size=int(header)).decode()

    def _read(self, deadline: float, *, until_newline: bool = False, size: int = 0) -> bytes:
        assert self.process.stdout is not None  # noqa: S101
        fd = self.process.stdout.fileno()
        chunks: list[bytes] = []
        received = 0
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                if until_newline and chunks and chunks[-1].endswith(b"\n"):
                    return b"".join(chunks)
                if not until_newline and received >= size:
                    return b"".join(chunks)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise _RenderTimeout
                # One byte at a time for the short header, so no answer bytes are swallowed.
                chunk = os.read(fd, 1 if until_newline else size - received)
                if not chunk:
                    raise _RenderTimeout  # the worker died
                chunks.append(chunk)
                received += len(chunk)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


_idle: "queue.LifoQueue[_Worker]" = queue.LifoQueue()


def _render_in_worker(text: str) -> str:
    try:
        worker = _idle.get_nowait()
    except queue.Empty:
        worker = _Worker()
    try:
        html = worker.render(text, settings.MARKDOWN_RENDER_TIMEOUT)
    except (_RenderTimeout, OSError, ValueError):
        worker.kill()
        raise _RenderTimeout from None
    if _idle.qsize() < settings.MARKDOWN_WORKERS:
        _idle.put(worker)
    else:
        worker.kill()
    return html


def render_markdown(text: str) -> str:
    """Render user Markdown to HTML that is safe to show as-is.

    Raises `MarkdownTooLarge` beyond MARKDOWN_MAX_LENGTH characters and `MarkdownTooComplex`
    when rendering takes longer than MARKDOWN_RENDER_TIMEOUT seconds; both are
    ValidationErrors with a message for the author.
    """
    limit = settings.MARKDOWN_MAX_LENGTH
    if len(text) > limit:
        raise MarkdownTooLarge(
            _("This text is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"},
            code="too_long",
        )
    if not text.strip():
        return ""
    try:
        return _render_in_worker(text)
    except _RenderTimeout:
        raise MarkdownTooComplex(
            _(
                "This text is too complex to format (for example, many unmatched brackets). "
                "Simplify it and try again."
            ),
            code="too_complex",
        ) from None
