"""`make demo`: the main job end to end on a local S3 endpoint with the sample articles.

Starts moto's server, uploads data/sample/ to s3://news-raw/incoming/, runs `newsetl run` against
it over HTTP, prints two example queries, and stops the server whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from newsetl.devs3 import demo_credentials, moto_server, upload_dir
from newsetl.display import relation_table
from newsetl.settings import PROJECT_ROOT
from newsetl.warehouse import Catalog, connect, sql_file

BUCKET, PREFIX = "news-raw", "incoming/"
EXAMPLES = ("articles_per_month_by_language", "latest_articles", "search_diplomacy")


def main() -> int:
    console = Console()
    db = PROJECT_ROOT / "warehouse" / "news.sqlite"
    env = {**os.environ, **demo_credentials()}
    os.environ.update(demo_credentials())
    with moto_server() as server:
        client = server.client()
        client.create_bucket(Bucket=BUCKET)
        count = upload_dir(client, PROJECT_ROOT / "data" / "sample", BUCKET, PREFIX)
        console.print(
            f"moto S3 at {server.url}: uploaded {count} objects to s3://{BUCKET}/{PREFIX}"
        )
        newsetl = Path(sys.executable).with_name("newsetl")
        command = [
            str(newsetl),
            "run",
            "--source",
            f"s3://{BUCKET}/{PREFIX}",
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
    console.print(f"Query it yourself: .venv/bin/newsetl sql --db {db.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
