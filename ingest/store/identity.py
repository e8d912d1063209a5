"""Which embedding model made a store's vectors, and the refusal to mix two models in one store.

Vectors of two models live in unrelated spaces (even at the same dimension): a question embedded by one
model against passages embedded by another retrieves noise, without any error. So the chunk collection's
metadata records the model's name and dimension, and every process that embeds (ingest, service, `ask`)
checks them when it opens the store. Read-only openers (`accords docs`) compare no vectors and skip the
check, and never claim an empty store for a model: the first process that embeds does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection


class StoreMismatch(RuntimeError):
    """The store was built with another embedding model than the one configured."""


@dataclass(frozen=True, slots=True)
class ModelIdentity:
    name: str
    dimension: int

    def metadata(self) -> dict[str, str | int]:
        return {"embedding_model": self.name, "dimension": self.dimension}


def check_model(chunks: Collection, collection: str, model: ModelIdentity | None) -> None:
    """Raise `StoreMismatch` unless `model` made (or may make) the vectors of `chunks`."""
    if model is None:
        return
    stored = chunks.metadata or {}
    if "embedding_model" not in stored:
        if chunks.count() == 0:  # created by a read-only opener: nothing to mix with yet
            chunks.modify(metadata=model.metadata())
            return
        raise StoreMismatch(_message(collection, "an unrecorded model", model))
    if stored.get("embedding_model") == model.name and stored.get("dimension") == model.dimension:
        return
    made_by = f"{stored.get('embedding_model')} (dimension {stored.get('dimension')})"
    raise StoreMismatch(_message(collection, made_by, model))


def _message(collection: str, made_by: str, model: ModelIdentity) -> str:
    return (
        f"the store (collection {collection!r}) holds vectors made by {made_by}, but {model.name} "
        f"(dimension {model.dimension}) is configured, and vectors of two models cannot be mixed. Either "
        "configure the store's model again (ACCORDS_BUNDLED_MODEL, or ACCORDS_EMBEDDINGS_URL and "
        f"ACCORDS_EMBEDDINGS_MODEL for a server), or index the documents with {model.name} into a new "
        f"collection: `ACCORDS_COLLECTION={suggest_collection(collection, model.name)} accords ingest "
        f"FOLDER`, then run the service with the same ACCORDS_COLLECTION (or delete the data dir and "
        f"run `accords ingest FOLDER` again)."
    )


def suggest_collection(collection: str, model_name: str) -> str:
    """`accords` + `BAAI/bge-small-en-v1.5` -> `accords-bge-small-en-v1.5` (a valid collection name)."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", model_name.rsplit("/", 1)[-1].lower()).strip("-._") or "model"
    name = f"{collection}-{slug}"[:60].rstrip("-._")
    return name if name != collection else f"{collection}-2"
