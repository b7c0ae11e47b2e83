"""Which task runner a run uses: threads in this process (default), or a Dask cluster for the
fetch-and-parse tasks. Loading always stays in the flow's process: one writer."""

from __future__ import annotations

from prefect import Flow

from newsetl.common.settings import Settings


def with_runner(flow: Flow, settings: Settings) -> tuple[Flow, dict]:
    """The flow to call and the parameter overrides that go with its runner."""
    if settings.task_runner != "dask":
        return flow, {}
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        runner = DaskTaskRunner(address=settings.dask_address)
    else:
        runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.parse_processes or 2,
                "threads_per_worker": 4,
                "processes": True,
                "host": "127.0.0.1",
                "dashboard_address": None,
            }
        )
    # Dask workers are processes already: parse in the task's own thread there.
    return flow.with_options(task_runner=runner), {"parse_processes": 0}
