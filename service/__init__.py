"""The accords HTTP service: hybrid retrieval and cited answers over the ingested store."""
