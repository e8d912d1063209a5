"""`accords ask --conversation ID`: one conversation continued over several commands.

Each `accords ask` is a process of its own, so the in-memory conversation store forgets a conversation when
the command ends. Without Redis, the command therefore keeps its conversations in the data dir
(`cli-conversations.json`): the turns of the `MAX_SAVED` most recently used conversations, each forgotten
after the service's conversation TTL of inactivity, written atomically under a file lock so two commands at
once lose nothing. With Redis (`ACCORDS_REDIS_URL`), conversations are shared already and the file is not
used: a command can then continue a conversation a replica holds, and the other way round.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from filelock import FileLock

from service.chat.conversations import Conversations, Turn

SAVED_CONVERSATIONS_FILE = "cli-conversations.json"
MAX_SAVED = 100


def restore_conversation(store: Conversations, path: Path, conversation_id: str, ttl_s: float) -> None:
    """Put the saved turns of `conversation_id` (if any, and not expired) into the in-memory store."""
    saved = _read(path, ttl_s).get(conversation_id)
    try:
        turns = [
            Turn(str(t["question"]), str(t["answer"]), tuple(t["documents"]), bool(t["found"]))
            for t in (saved["turns"] if saved else [])
        ]
    except (KeyError, TypeError):  # a hand-edited file: the question is answered on its own
        return
    for turn in turns:
        store.record(conversation_id, turn)


def save_conversation(store: Conversations, path: Path, conversation_id: str, ttl_s: float) -> None:
    """Keep the conversation's turns, as the in-memory store now holds them, for the next command."""
    _, turns = store.history(conversation_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=10):
        saved = _read(path, ttl_s)
        saved[conversation_id] = {
            "updated": time.time(),
            "turns": [
                {
                    "question": t.question,
                    "answer": t.answer,
                    "documents": list(t.document_ids),
                    "found": t.found,
                }
                for t in turns
            ],
        }
        kept = dict(sorted(saved.items(), key=lambda item: item[1]["updated"])[-MAX_SAVED:])
        handle, temporary = tempfile.mkstemp(prefix=".conversations-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump({"version": 1, "conversations": kept}, file)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _read(path: Path, ttl_s: float) -> dict[str, Any]:
    """The saved conversations still within their TTL; nothing when the file is missing or unreadable (a
    lost conversation costs a follow-up its context, never the answer)."""
    try:
        conversations = json.loads(path.read_text(encoding="utf-8"))["conversations"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(conversations, dict):
        return {}
    oldest = time.time() - ttl_s
    return {
        key: value
        for key, value in conversations.items()
        if isinstance(value, dict)
        and isinstance(value.get("turns"), list)
        and value.get("updated", 0) >= oldest
    }
