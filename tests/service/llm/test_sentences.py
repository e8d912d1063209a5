"""The server's sentence split is the widget's, and markers are tidied so each sentence keeps its own."""

from __future__ import annotations

import re

import pytest

from service.answer.sentences import split, tidy, without_markers

WIDGET_SPLIT = re.compile(r"(?<=[.!?])\s+")  # service/static/widget/sentences.js, splitSentences


@pytest.mark.parametrize(
    "text",
    [
        "One [1]. Two [2]! Three?",
        "A line\nwith a wrap. And U.S. policy [1].\n\nNew paragraph [2].",
        "No full stop at the end [1]",
        "Ellipsis... then more [3].",
    ],
)
def test_split_is_the_widgets_split(text: str) -> None:
    sentences = split(text)
    assert [s.text for s in sentences] == WIDGET_SPLIT.split(text)
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_markers_move_before_the_full_stop_and_lists_are_spelled_out() -> None:
    text, removed = tidy("It entered into force in 2024. [2] It covers fish [1, 3].", listed=3)
    assert (text, removed) == ("It entered into force in 2024 [2]. It covers fish [1][3].", 0)
    assert [s.sources for s in split(text)] == [(2,), (1, 3)]


def test_markers_to_unlisted_sources_are_removed() -> None:
    text, removed = tidy("Signed in Velmora [4]. Ratified [0][1].", listed=3)
    assert (text, removed) == ("Signed in Velmora. Ratified [1].", 2)
    assert [s.sources for s in split(text)] == [(), (1,)]


def test_repeated_markers_count_once_and_markers_strip_cleanly() -> None:
    assert split("Twice [1][1].")[0].sources == (1,)
    assert without_markers("Twice [1] cited [2].") == "Twice cited ."
