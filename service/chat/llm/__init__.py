"""Answers written by a language model behind an OpenAI-compatible API, with checked citations."""
