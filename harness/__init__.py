"""What the tests and the benches start: the real service, the real Chroma server, scripted servers.

One place for "start `accords serve` on a free port and wait for /ready" and its kin, so a test and a
bench start a process the same way and a fix reaches both. The modules:

- `service`: `accords serve` in a subprocess (`ServiceProcess`, `serve`);
- `commands`: any `accords` command in a subprocess, with a clean environment (`accords_env`, ...);
- `chroma`: `chroma run` on a free port (`ChromaServer`);
- `postgres`: a PostgreSQL cluster in a temp dir on a free port (`PostgresServer`);
- `redis`: Debian's `redis-server` on a free port, persistence off (`RedisServer`);
- `llm`, `embeddings`: scripted OpenAI-compatible servers for the LLM and the embeddings;
- `uvicorn_thread`: an ASGI app under a real uvicorn on a thread (the scripted servers, an in-process app);
- `load`: concurrent /chat clients and their latency figures; `ports`: free ports of 127.0.0.1;
- `hashing`: a deterministic embedder (no model) for what does not measure the model.

Import the names from `harness` itself; it is a package of the project (`pip install -e .`), so no
path manipulation is needed anywhere.
"""

from harness.chroma import CHROMA, ChromaServer, close_http_clients, collection_for
from harness.commands import (
    ACCORDS,
    SERVER_MODE_VARIABLE,
    accords_env,
    run_accords,
    server_mode_env,
    start_accords,
    store_settings,
)
from harness.embeddings import ScriptedEmbeddings
from harness.hashing import HashingEmbedder
from harness.llm import ScriptedLLM, disconnect_after_first_delta
from harness.load import Latency, chat_load, cpu_seconds, full_answer, load_questions, watching_others
from harness.ports import HOST, bound_socket, free_port, url_of
from harness.postgres import PostgresServer, postgres_bin
from harness.redis import RedisServer, redis_server_bin
from harness.service import ServiceNotReady, ServiceProcess, serve, stop_process
from harness.uvicorn_thread import UvicornThread

__all__ = [
    "ACCORDS",
    "CHROMA",
    "HOST",
    "SERVER_MODE_VARIABLE",
    "ChromaServer",
    "HashingEmbedder",
    "Latency",
    "PostgresServer",
    "RedisServer",
    "ScriptedEmbeddings",
    "ScriptedLLM",
    "ServiceNotReady",
    "ServiceProcess",
    "UvicornThread",
    "accords_env",
    "bound_socket",
    "chat_load",
    "close_http_clients",
    "collection_for",
    "cpu_seconds",
    "disconnect_after_first_delta",
    "free_port",
    "full_answer",
    "load_questions",
    "postgres_bin",
    "redis_server_bin",
    "run_accords",
    "serve",
    "server_mode_env",
    "start_accords",
    "stop_process",
    "store_settings",
    "url_of",
    "watching_others",
]
