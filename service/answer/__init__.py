"""Turning retrieved passages into a cited answer (or an honest "not in the documents")."""
