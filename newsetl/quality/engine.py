"""Data-quality engine: runs the GX suites in `expectations/` and says which rows failed what.

The expectations themselves live in GX suite JSON files (one per suite), each expectation
carrying GX's own `severity` and a stable `meta.name`. GX decides whether an expectation
failed and which rows did; this module only turns GX's results into plain data (outcomes and
per-key failures) that the pipeline acts on, and keeps a file-backed GX context so that every
run lands in Data Docs.

`great_expectations` takes seconds to import, so it is imported only inside the engine; the
module itself imports nothing beyond the standard library."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsetl.common import checkpoints
from newsetl.quality.gx_import import import_gx
from newsetl.quality.reports_lock import DEFAULT_TIMEOUT, reports_lock

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
from newsetl.quality.outcomes import (
    ARTICLES_SUITE,
    BATCH_SUITE,
    DRIFT_SUITE,
    ENRICHMENT_SUITE,
    KEY_COLUMN,
    MAX_PUBLISHED_DATE_PARAMETER,
    SAMPLE_SIZE,
    SEVERITIES,
    QualityError,
    ValidationReport,
    json_safe,
    report_from_result,
)

DATA_DOCS_SITE = "newsetl"


DATASOURCE = "newsetl_frames"


BATCH_DEFINITION = "whole_frame"


MAX_STORED_RUNS = 50  # validation results kept per suite; Data Docs shows what is kept


# How newsetl renders pages (newsetl.quality.datadocs_render). Pages rendered under another
# version are rendered again by the next build: a change in escaping or wording reaches the old
# pages too.
RENDER_VERSION = "2"


RENDER_MARKER = ".newsetl-render"


# COMPLETE is the only format whose `unexpected_index_list` names every failing row; with
# `unexpected_index_column_names` each entry carries the row's `key`, so no positional
# bookkeeping is needed. The index query is a pandas expression listing every row: not wanted.
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [KEY_COLUMN],
    "return_unexpected_index_query": False,
    "partial_unexpected_count": SAMPLE_SIZE,
}


_shared_lock = threading.Lock()


@lru_cache(maxsize=4)
def _shared(suites_dir: Path, gx_root: Path) -> QualityEngine:
    return QualityEngine(suites_dir=suites_dir, gx_root=gx_root)


def shared_engine(suites_dir: Path, gx_root: Path) -> QualityEngine:
    """One engine per process and context: importing GX and building the context cost seconds.
    The lock makes a caller wait for a build already under way instead of racing it."""
    with _shared_lock:
        return _shared(Path(suites_dir).resolve(), Path(gx_root).resolve())


class QualityEngine:
    """Owns a file-backed GX context rooted at `gx_root` whose suites are loaded from
    `suites_dir` (the JSON in expectations/).

    One engine is meant to live for a whole flow run: building the context and importing GX
    is the expensive part, each validation afterwards costs about the GX computation alone.

    Everything it writes under the reports folder (`gx_root`'s parent: the context, stored
    results, Data Docs) it writes holding the reports lock (newsetl.quality.reports_lock), so an
    ingest storing results and a `dq-report` building pages never interleave. `lock_timeout` is how
    long a call waits for it; each call may give its own.
    """

    def __init__(
        self, suites_dir: Path, gx_root: Path, lock_timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.suites_dir = Path(suites_dir).resolve()
        self.gx_root = Path(gx_root).resolve()
        self.reports_dir = self.gx_root.parent
        self.data_docs_dir = self.reports_dir / "data_docs"
        self.lock_timeout = lock_timeout
        import_gx()  # seconds of CPU: not while holding the lock

        with self._locked(None):
            self._open_context()

    def _locked(self, timeout: float | None):
        """The reports lock, waited for `timeout` seconds (None: the engine's default)."""
        return reports_lock(self.reports_dir, self.lock_timeout if timeout is None else timeout)

    def _open_context(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        from newsetl.quality.datadocs_render import SITE_INDEX_BUILDER, SITE_SECTION_BUILDERS

        self._gx = gx
        self._context = gx.get_context(mode="file", context_root_dir=str(self.gx_root))

        changed = False
        progress_bars = self._context.variables.progress_bars
        if progress_bars is None or progress_bars.get("globally", True):
            # tqdm bars per metric batch would flood Prefect's captured logs.
            self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
            changed = True
        site = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(self.data_docs_dir),
            },
            # newsetl's renderers and views: data text escaped, severities shown.
            "site_section_builders": copy.deepcopy(SITE_SECTION_BUILDERS),
            "site_index_builder": copy.deepcopy(SITE_INDEX_BUILDER),
        }
        sites = dict(self._context.variables.data_docs_sites or {})
        if sites != {DATA_DOCS_SITE: site}:
            # The scaffolded `local_site` would write under uncommitted/; ours is the only one.
            self._context.variables.data_docs_sites = {DATA_DOCS_SITE: site}
            changed = True
        if changed:
            self._context.variables.save()

        # Every property access re-reads and substitutes the config files: look up once.
        self._results_store = self._context.validation_results_store
        self._batch_definitions: dict[str, Any] = {}
        self._sync_suites()

    # -- public API ---------------------------------------------------------------------

    def validate_articles(
        self,
        frame: pl.DataFrame,
        *,
        run_date: date,
        run_name: str,
        lock_timeout: float | None = None,
    ) -> ValidationReport:
        """Validate the per-article frame; dates up to the day after `run_date` are allowed."""
        parameters = {MAX_PUBLISHED_DATE_PARAMETER: (run_date + timedelta(days=1)).isoformat()}
        with self._locked(lock_timeout):
            return self._validate(ARTICLES_SUITE, frame, run_name=run_name, parameters=parameters)

    def validate_batch(
        self, listing: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport:
        """Validate the bucket listing before anything is parsed or deleted."""
        with self._locked(lock_timeout):
            return self._validate(BATCH_SUITE, listing, run_name=run_name, parameters={})

    def validate_drift(
        self, frame: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport:
        """Validate the per-prefix layout drift frame (newsetl.quality.drift)."""
        with self._locked(lock_timeout):
            return self._validate(DRIFT_SUITE, frame, run_name=run_name, parameters={})

    def validate_enrichment(
        self, frame: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport:
        """Validate what one enrichment wrote (newsetl.quality.enrichment)."""
        with self._locked(lock_timeout):
            return self._validate(ENRICHMENT_SUITE, frame, run_name=run_name, parameters={})

    def build_data_docs(self, *, lock_timeout: float | None = None) -> Path:
        """Render pages for stored validations that have none yet, the suites, and the index.

        GX's default build re-renders every stored validation; rendering only the missing
        pages keeps the cost per run flat. Pages of pruned validations are deleted so the
        site mirrors the store. Pages rendered by another version of newsetl's renderers
        (RENDER_VERSION) are all rendered again, once.
        """
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
        )

        from newsetl.quality.datadocs_assets import localize_data_docs

        with self._locked(lock_timeout):
            checkpoints.reach("reports")
            store = self._results_store
            validations_dir = self.data_docs_dir / "validations"
            marker = self.data_docs_dir / RENDER_MARKER
            current = marker.is_file() and marker.read_text(encoding="utf-8") == RENDER_VERSION
            pages = {self._page_path(key): key for key in store.list_keys()}
            missing = [key for path, key in pages.items() if not (current and path.exists())]
            suites = [ExpectationSuiteIdentifier(name=s.name) for s in self._context.suites.all()]
            # An empty list would mean "everything" to GX; the suites keep it non-empty.
            self._context.build_data_docs(
                site_names=[DATA_DOCS_SITE], resource_identifiers=[*suites, *missing]
            )
            if validations_dir.exists():
                for page in validations_dir.rglob("*.html"):
                    if page not in pages:
                        page.unlink()
                _remove_empty_dirs(validations_dir)
            localize_data_docs(self.data_docs_dir)  # CDN links -> web/node_modules copies
            marker.write_text(RENDER_VERSION, encoding="utf-8")
            return self.data_docs_dir / "index.html"

    # -- suites -------------------------------------------------------------------------

    def _sync_suites(self) -> None:
        """Make the context's suites exactly the JSON files in `suites_dir`."""
        names = {path.stem for path in self.suites_dir.glob("*.json")}
        for name in sorted(names):
            self._refresh_suite(name)
        for suite in self._context.suites.all():
            if suite.name not in names:
                self._context.suites.delete(suite.name)

    def _refresh_suite(self, name: str) -> Any:
        """Load `<suites_dir>/<name>.json` into the context; the JSON always wins."""
        path = self.suites_dir / f"{name}.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise QualityError(f"cannot read suite {path}: {exc}") from exc
        _check_suite_json(raw, path)
        try:
            suite = self._gx.ExpectationSuite(**raw)
        except Exception as exc:  # pydantic/marshmallow errors name the bad field
            raise QualityError(f"invalid suite {path}: {exc}") from exc
        return self._context.suites.add_or_update(suite)

    def _batch_definition(self, suite_name: str) -> Any:
        """One dataframe asset per suite, so Data Docs names what was validated."""
        if suite_name in self._batch_definitions:
            return self._batch_definitions[suite_name]
        try:
            datasource = self._context.data_sources.get(DATASOURCE)
        except (KeyError, ValueError, LookupError):
            datasource = self._context.data_sources.add_pandas(DATASOURCE)
        try:
            asset = datasource.get_asset(suite_name)
        except LookupError:
            asset = datasource.add_dataframe_asset(suite_name)
        try:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        self._batch_definitions[suite_name] = batch_definition
        return batch_definition

    # -- validation ---------------------------------------------------------------------

    def _validate(
        self, suite_name: str, frame: pl.DataFrame, *, run_name: str, parameters: dict[str, Any]
    ) -> ValidationReport:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        suite = self._refresh_suite(suite_name)
        batch = self._batch_definition(suite_name).get_batch(
            batch_parameters={"dataframe": _to_pandas(frame)}
        )
        result = batch.validate(
            suite, result_format=RESULT_FORMAT, expectation_parameters=parameters or None
        )
        report = report_from_result(suite_name, result)

        # Stored like ValidationDefinition.run stores, but after trimming the row lists:
        # COMPLETE results name every failing row, which would make each stored run (and
        # every Data Docs rebuild) grow with the number of bad articles.
        run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
        result.meta["run_id"] = run_id
        result.meta["validation_time"] = run_id.run_time
        result.meta["batch_parameters"] = {"dataframe": "<DATAFRAME>"}
        result.meta["expectation_parameters"] = parameters
        _trim_for_storage(result)
        suite_id = ExpectationSuiteIdentifier(name=suite_name)
        self._results_store.store_validation_results(
            suite_validation_result=result,
            suite_validation_result_identifier=ValidationResultIdentifier(
                expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=batch.id
            ),
            expectation_suite_identifier=suite_id,
        )
        self._prune(suite_name)

        errors = [o for o in report.outcomes if "exception" in o.details]
        if errors:
            listed = "; ".join(f"{o.expectation}: {o.details['exception']}" for o in errors)
            raise QualityError(f"GX could not evaluate suite {suite_name!r}: {listed}")
        return report

    def _prune(self, suite_name: str) -> None:
        """Keep the newest MAX_STORED_RUNS results of a suite; Data Docs follows the store."""
        store = self._results_store
        keys = [k for k in store.list_keys() if k.expectation_suite_identifier.name == suite_name]
        keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        for key in keys[MAX_STORED_RUNS:]:
            store.remove_key(key)
        base = getattr(store.store_backend, "full_base_directory", None)
        if base and len(keys) > MAX_STORED_RUNS:
            _remove_empty_dirs(Path(base))

    def _page_path(self, key: Any) -> Path:
        """Where GX's site builder writes the page of a validation result."""
        parts = key.to_tuple()
        return self.data_docs_dir.joinpath("validations", *parts[:-1], f"{parts[-1]}.html")


def _remove_empty_dirs(root: Path) -> None:
    """Filesystem stores leave one directory per run behind when a run is removed."""
    for directory in sorted(root.rglob("*"), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()


def _check_suite_json(raw: Any, path: Path) -> None:
    """Reject what GX would accept but the pipeline cannot act on: unnamed or unranked checks."""
    if not isinstance(raw, dict) or raw.get("name") != path.stem:
        raise QualityError(f"{path}: top-level 'name' must be {path.stem!r}")
    seen: set[str] = set()
    for i, expectation in enumerate(raw.get("expectations") or []):
        name = (expectation.get("meta") or {}).get("name")
        if not isinstance(name, str) or not name:
            raise QualityError(f"{path}: expectation #{i} has no meta.name")
        if name in seen:
            raise QualityError(f"{path}: meta.name {name!r} is used twice")
        seen.add(name)
        if expectation.get("severity") not in SEVERITIES:
            raise QualityError(f"{path}: {name} needs 'severity' in {SEVERITIES}")


def _to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """Polars -> pandas for GX. Date columns become `datetime.date` objects.

    GX parses date bounds in the suite JSON ("1991-12-16") into `datetime.date`, and pandas
    refuses to compare datetime64 columns with `date`; object columns of dates compare fine.
    """
    import pandas as pd
    import polars as pl

    pdf = frame.to_pandas()
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            pdf[name] = pd.Series(frame[name].to_list(), index=pdf.index, dtype=object)
    return pdf


def _trim_for_storage(result: Any) -> None:
    """Cut full row lists to a sample; Data Docs then labels them 'Sampled Unexpected Values'."""
    for evr in result.results:
        res = evr.result or {}
        for name in ("unexpected_list", "unexpected_index_list"):
            if isinstance(res.get(name), list):
                res[name] = json_safe(res[name][:SAMPLE_SIZE])
        for name in ("partial_unexpected_list", "partial_unexpected_index_list"):
            if isinstance(res.get(name), list):
                res[name] = json_safe(res[name])
        if isinstance(res.get("partial_unexpected_counts"), list):
            res["partial_unexpected_counts"] = json_safe(res["partial_unexpected_counts"])


__all__ = [
    "QualityEngine",
    "QualityError",
    "ValidationReport",
    "shared_engine",
]
