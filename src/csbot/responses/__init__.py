"""Answering a message: the FAQ knowledge base, template rendering and hand-off."""
