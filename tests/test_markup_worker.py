"""Rendering runs in worker processes with a time limit (Python-Markdown can be quadratic)."""

import time
from typing import Any

import pytest

from diaspora import markup
from diaspora.markup import MarkdownTooComplex, render_markdown


def test_it_refuses_a_pathological_text_within_the_time_limit(settings: Any) -> None:
    settings.MARKDOWN_RENDER_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(MarkdownTooComplex) as error:
        render_markdown("[" * 40_000)
    assert time.monotonic() - started < 3
    assert "too complex" in error.value.messages[0]


def test_it_renders_again_after_a_timeout(settings: Any) -> None:
    settings.MARKDOWN_RENDER_TIMEOUT = 0.5
    with pytest.raises(MarkdownTooComplex):
        render_markdown("<http://" * 5_000)
    settings.MARKDOWN_RENDER_TIMEOUT = 5
    assert render_markdown("still *works*") == "<p>still <em>works</em></p>"


def test_it_reuses_a_worker_between_renders() -> None:
    render_markdown("one")
    first = markup._idle.get_nowait()
    markup._idle.put(first)
    render_markdown("two")
    second = markup._idle.get_nowait()
    markup._idle.put(second)
    assert first.process.pid == second.process.pid


def test_it_carries_large_answers_and_unicode_intact() -> None:
    text = "\n\n".join(f"Paragraphe {i} — café, مرحبا, 日本語" for i in range(1_200))
    html = render_markdown(text)
    assert html.count("<p>") == 1_200
    assert "مرحبا" in html
