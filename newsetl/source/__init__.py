"""Stage 1, the source: objects in a bucket or a folder listed and read (stores), what they are
as plain data (objects), and what a run does with each (plan: new, changed, unchanged, deleted,
the guards, the chunks). May import newsetl.common only."""
