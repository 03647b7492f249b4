"""The retrieval-and-prompt path: passages cut, embedded, found, focused and put before the model."""
