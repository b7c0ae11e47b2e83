"""Imported first by the parse workers' fork server (newsetl.parse.chunk.PRELOAD), and by
nothing else: the fork server, started with the command's group signals blocked
(newsetl.common.localserver.signals_held), leaves the command's process group, and so do the
workers it forks. A Ctrl-C to the group then reaches the command alone, which stops its workers
itself; none prints a KeyboardInterrupt."""

from newsetl.common.localserver import leave_group

leave_group()
