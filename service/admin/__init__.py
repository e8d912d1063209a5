"""The admin API: documents uploaded, replaced and deleted over HTTP, and ingest jobs over folders.

Why it lives in the service rather than only in `accords ingest`: operators of a deployed service (a
container, a remote host) may have no shell next to the data dir. Everything here runs the same pipeline
as the CLI (`ingest.pipeline.Ingestor`) with the service's own store and model, so a document uploaded
is stored exactly as the same file ingested from the command line would be.

- `auth`: bearer tokens (ACCORDS_ADMIN_TOKEN, admin keys); site keys are refused (403), no CORS ever.
- `uploads`, `metadata`: multipart bodies streamed to a private staging folder within size limits;
  client file names never become paths.
- `writer`: one thread makes every change, in arrival order, under the data dir's writer lock.
- `jobs`, `paths`: ingest jobs over folders under ACCORDS_INGEST_ROOT, with progress and per-file errors.
- `install`: wiring into the app (routes in `service.routes.admin_documents` and `admin_jobs`).

Readers never see a half-written document: the store's commit protocol (`ingest.store`) makes a new
version visible in one write, and the retriever filters every passage through the committed catalog.
"""
