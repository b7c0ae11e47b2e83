"""Prefect tasks: thin wrappers (retries, logging, chunking) over newsetl functions."""
