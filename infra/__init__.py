"""Deployment helpers: the smoke test of a deployed stack (the rest of infra/ is shell and templates)."""
