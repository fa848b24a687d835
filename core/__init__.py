"""Shared plumbing for every app: imports no app of the portal (STYLE.md, layers)."""
