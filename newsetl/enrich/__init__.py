"""The enrichment stage, after ingest: who and what the news is about. Entities (people,
organisations, places) in Kazakh and Russian, one id across both languages and every case form
(fold, gazetteer, mentions); articles of one event linked into stories (stories);
near-duplicate reprints (duplicates); a batch's per-article work in worker processes (pool);
and the run that reads what ingest changed and commits
the enrichment as its own DuckLake snapshot (run). Plain Python: no Prefect here. It imports
newsetl.common, newsetl.search (the Kazakh stemmer) and newsetl.lake (the commit), never
quality, tasks, flows, runtime or cli."""
