"""Stage 3, the lake: DuckLake attached (connection, extensions), migrated (migrate), one run
committed as one snapshot (commit), the writer lock (lock), per-run staging (staging), the
quarantine as a source (quarantine), maintenance and the upgrade from the old warehouse. May
import newsetl.common, newsetl.source, newsetl.search and newsetl.parse; never quality."""
