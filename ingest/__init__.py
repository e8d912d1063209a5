"""Turns agreement documents into a convergent Chroma store (chunks, vectors, document records)."""
