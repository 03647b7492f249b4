"""Errors a user can cause. Each carries a message a business user understands.

Everything the CLI or the app shows to a person comes from ``CrossroadsError.message``; any other
exception is a bug in Crossroads, reported as such.
"""

from __future__ import annotations


class CrossroadsError(Exception):
    """Base for every error whose message is meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableFile(CrossroadsError):
    """A document could not be read; the message says why in plain words."""


class ModelError(CrossroadsError):
    """A model file is missing, not a GGUF, damaged, or too large for this machine."""


class ServerError(ModelError):
    """A model server (the OpenAI-compatible HTTP backend) is unreachable, answers with an error, or lacks the model."""


class KnowledgeBaseError(CrossroadsError):
    """A knowledge base is missing, damaged beyond repair, or built with other settings."""


class SetupError(CrossroadsError):
    """Something the installation should have provided is missing (e.g. a model not yet pulled)."""


class InputError(CrossroadsError):
    """Bad arguments or a malformed input file (questions, answers, settings)."""


class Cancelled(Exception):
    """Raised inside the core when the caller cancelled; not an error to report."""
