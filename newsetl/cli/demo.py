"""`make demo`: the main job end to end on a local S3 endpoint with the sample articles.

Starts moto's server, uploads data/sample/ to s3://news-raw/incoming/, runs `newsetl run --enrich`
against it over HTTP into the demo's own lake (warehouse/demo.sqlite): the ingest, then the
enrichment in the same command. Prints example queries, the sample's entities and stories among
them, and stops the server whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from newsetl.cli.display import relation_table
from newsetl.common.catalog import Catalog
from newsetl.common.settings import PROJECT_ROOT
from newsetl.common.sqlfiles import sql_file
from newsetl.lake.connection import connect
from newsetl.runtime.devs3 import DEMO_DB, DEMO_SOURCE, demo_credentials, moto_server, upload_sample

EXAMPLES = (
    "articles_per_month_by_language",
    "latest_articles",
    "search_diplomacy",
    "top_entities",
    "latest_stories",
)


def main() -> int:
    console = Console()
    db = PROJECT_ROOT / DEMO_DB
    env = {**os.environ, **demo_credentials()}
    with moto_server() as server:
        count = upload_sample(server)
        console.print(f"moto S3 at {server.url}: uploaded {count} objects to {DEMO_SOURCE}")
        newsetl = Path(sys.executable).with_name("newsetl")
        command = [
            str(newsetl),
            "run",
            "--enrich",
            "--source",
            DEMO_SOURCE,
            "--db",
            str(db),
            "--endpoint-url",
            server.url,
            "--reports-dir",
            str(PROJECT_ROOT / "reports"),
        ]
        code = subprocess.call(command, env=env, cwd=PROJECT_ROOT)
    if code != 0:
        return code
    con = connect(Catalog.parse(db), read_only=True)
    try:
        for name in EXAMPLES:
            frame = con.execute(sql_file(f"examples/{name}.sql")).pl()
            console.print(relation_table(f"sql/examples/{name}.sql", frame))
    finally:
        con.close()
    console.print(
        f"The demo's lake is {DEMO_DB} (the endpoint is stopped). Next:\n"
        f"  .venv/bin/newsetl sql --db {DEMO_DB}   # query it yourself\n"
        f"  .venv/bin/newsetl report --db {DEMO_DB}\n"
        "  .venv/bin/newsetl run   # data/sample into warehouse/news.sqlite\n"
        "  make serve              # the schedules, on this sample and this lake",
        highlight=False,
        soft_wrap=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
