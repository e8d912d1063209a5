"""`Conversations`: the memory behind follow-ups is bounded in turns, in time and in number."""

from __future__ import annotations

import threading
import time

from service.chat.conversations import Conversations, Turn


def turn(n: int, documents: tuple[str, ...] = ("doc",)) -> Turn:
    return Turn(f"question {n}", f"answer {n}", documents, True)


def test_a_missing_or_unknown_id_starts_an_empty_conversation() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=60, max_conversations=10)
    new_id, history = conversations.history(None)
    assert len(new_id) == 32 and history == []
    assert conversations.history(None)[0] != new_id  # a fresh id each time
    assert conversations.history("made-up") == ("made-up", [])
    assert len(conversations) == 0  # looking does not create


def test_turns_are_kept_oldest_first() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=60, max_conversations=10)
    conversation_id, _ = conversations.history(None)
    for n in range(2):
        conversations.record(conversation_id, turn(n))
    assert conversations.history(conversation_id) == (conversation_id, [turn(0), turn(1)])


def test_only_the_last_turns_are_kept() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=60, max_conversations=10)
    for n in range(7):
        conversations.record("c", turn(n))
    assert conversations.history("c")[1] == [turn(4), turn(5), turn(6)]


def test_long_texts_and_many_documents_are_trimmed() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=60, max_conversations=10)
    documents = tuple(f"doc-{n}" for n in range(9))
    conversations.record("c", Turn("q" * 5000, "a" * 5000, documents, False))
    (kept,) = conversations.history("c")[1]
    assert (len(kept.question), len(kept.answer), kept.document_ids) == (600, 600, documents[:5])
    assert kept.found is False


def test_a_conversation_expires_after_inactivity() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=0.05, max_conversations=10)
    conversations.record("c", turn(1))
    assert conversations.history("c")[1] == [turn(1)]
    time.sleep(0.08)
    assert conversations.history("c") == ("c", [])
    assert len(conversations) == 0


def test_reading_a_conversation_keeps_it_alive() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=0.2, max_conversations=10)
    conversations.record("c", turn(1))
    for _ in range(4):
        time.sleep(0.08)
        assert conversations.history("c")[1] == [turn(1)]  # 0.32 s in all, each read within 0.2 s


def test_the_least_recently_used_conversation_goes_first() -> None:
    conversations = Conversations(max_turns=3, ttl_seconds=60, max_conversations=2)
    conversations.record("a", turn(1))
    conversations.record("b", turn(2))
    conversations.history("a")  # a is now more recent than b
    conversations.record("c", turn(3))
    assert len(conversations) == 2
    assert conversations.history("b") == ("b", [])
    assert conversations.history("a")[1] == [turn(1)] and conversations.history("c")[1] == [turn(3)]


def test_many_conversations_stay_within_the_cap() -> None:
    conversations = Conversations(max_turns=2, ttl_seconds=60, max_conversations=50)
    for n in range(1000):
        conversations.record(f"c{n}", turn(n))
    assert len(conversations) == 50
    assert conversations.history("c999")[1] == [turn(999)] and conversations.history("c0")[1] == []


def test_concurrent_writers_lose_no_turn() -> None:
    conversations = Conversations(max_turns=500, ttl_seconds=60, max_conversations=10)

    def write(offset: int) -> None:
        for n in range(100):
            conversations.record("shared", turn(offset + n))

    threads = [threading.Thread(target=write, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(conversations.history("shared")[1]) == 400
