"""Finding the passages that answer a question: dense + lexical retrieval over the committed store."""
