"""The benchmarks: scripts run from the repository root as modules (`.venv/bin/python -m bench.query`), so
the project's packages are imported as installed (run as a file, `bench/ingest.py` would shadow `ingest`).
What they start (the service, Chroma, the scripted servers, the load loop) is `harness`'s; they never
import `tests`. docs/benchmarks.md says what each measures."""
