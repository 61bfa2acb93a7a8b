"""Workspace state with no protocol in it: open documents and their text."""
