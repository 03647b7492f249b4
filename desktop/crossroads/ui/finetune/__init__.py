"""The Fine-tune tab: data, settings with the estimate, progress and the kept adapters."""
