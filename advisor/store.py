"""Durable conversations: one SQLite file under ADVISOR_HOME, written as each turn completes."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .conversation import Conversation

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL, updated REAL NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL, created REAL NOT NULL,
    user_text TEXT NOT NULL, reply TEXT NOT NULL, feedback TEXT, PRIMARY KEY (session_id, seq));
"""


class SessionStore:
    """Creates, loads and saves conversations; safe to share between request threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def create(self) -> str:
        """A new conversation with an unguessable id."""
        sid = secrets.token_urlsafe(24)
        now = time.time()
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (sid, now, now, Conversation().model_dump_json()))
        return sid

    def load(self, sid: str) -> Conversation | None:
        """The conversation's state, or None for an unknown id."""
        with self._lock:
            row = self._db.execute("SELECT state FROM sessions WHERE id = ?", (sid,)).fetchone()
        return Conversation.model_validate_json(row[0]) if row else None

    def save_turn(self, sid: str, conv: Conversation, user_text: str, reply: dict[str, Any]) -> None:
        """Record one completed turn and the new state atomically."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?", (sid,)).fetchone()[0]
            self._db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, NULL)", (sid, seq, now, user_text, json.dumps(reply, ensure_ascii=False)))
            self._db.execute("UPDATE sessions SET state = ?, updated = ? WHERE id = ?", (conv.model_dump_json(), now, sid))
            self._db.execute("COMMIT")

    def replace_last_reply(self, sid: str, reply: dict[str, Any]) -> None:
        """Swap the latest turn's reply for its final wording (the model's, once it passed the guard)."""
        with self._lock:
            self._db.execute("UPDATE turns SET reply = ? WHERE session_id = ? AND seq = (SELECT MAX(seq) FROM turns WHERE session_id = ?)",
                             (json.dumps(reply, ensure_ascii=False), sid, sid))

    def transcript(self, sid: str) -> list[dict[str, Any]]:
        """Every turn of a conversation, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT seq, created, user_text, reply, feedback FROM turns WHERE session_id = ? ORDER BY seq", (sid,)).fetchall()
        return [{"seq": s, "created": c, "user": u, "reply": json.loads(r), "feedback": f} for s, c, u, r, f in rows]

    def feedback(self, sid: str, message_index: int, verdict: str) -> None:
        """Save a thumbs up/down on an advisor message (index in the chat, counting the greeting)."""
        with self._lock:
            seq = max(1, (int(message_index) + 1) // 2)
            self._db.execute("UPDATE turns SET feedback = ? WHERE session_id = ? AND seq = ?", (verdict, sid, seq))

    def close(self) -> None:
        """Close the database."""
        self._db.close()
