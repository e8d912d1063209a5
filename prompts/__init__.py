"""The prompt templates, as plain Markdown files (`system.md`, `answer.md`, `condense.md`).

A Python package only so that the files ship inside the wheel and are found the same way in an editable
checkout, a non-editable install and the container; edit the `.md` files, not this module.
"""

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
