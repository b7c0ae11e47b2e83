"""Shared ground for every stage: the settings schema, where a lake is (catalog), the SQL files,
the named checkpoints fault tests stop a run at, the one helper that starts, probes and stops a
local server, progress events, markdown escaping, and how a command stops on a signal
(interrupt). Imports nothing else of newsetl."""
