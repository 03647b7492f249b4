"""The Compare tab: side-by-side answers, their sources, the passage in context."""
