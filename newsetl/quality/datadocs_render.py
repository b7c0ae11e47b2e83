"""newsetl's Data Docs renderers and views: data text escaped, and severities told.

GX builds its pages from classes named in the site's configuration (newsetl.quality.engine
points the site here), so these subclasses change what GX renders without patching GX:

- **Escaping.** GX's templates run with Jinja autoescape off (they are `.j2` files) and GX
  escapes only the parameters of its string templates. Every other value reaches the page as
  it is: the rows of the unexpected-values tables (keys, titles, `duplicate_of`, any string
  column), the observed values, the index page's table data (which bootstrap-table inserts as
  HTML). An object key such as `<img src=x onerror=…>` ran as script in the validation page.
  The views here escape at the one place where those values turn into HTML,
  `render_content_block`: a plain value (text, number, a dict of index columns) is HTML-escaped,
  while rendered components (GX's own markup) go through GX's templates as before. Escaping at
  that sink covers every field and every stored result, old ones included, and the stored
  validation results keep the real values; escaping the values before they reach GX instead
  would double-escape where GX does escape, and miss any field GX renders later. A chart's
  Vega-Lite JSON, inlined in a `<script>`, gets `<`, `>` and `&` as JSON escapes.
- **Severity.** GX calls a validation failed when any expectation failed. newsetl's suites give
  each expectation a severity, and a failed warning lets the row load. The page renderer says
  "Passed with warnings" when only warnings failed, the table of expectations has a Severity
  column (a failed warning shows a warning sign, not a red cross), the suite pages carry a
  severity badge per expectation, and the index page shows the same three states.

This module imports GX, so only the GX process (newsetl.quality.engine) imports it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render import RenderedComponentContent, RenderedStringTemplateContent
from great_expectations.render.renderer.content_block.bullet_list_content_block import (
    ExpectationSuiteBulletListContentBlockRenderer,
)
from great_expectations.render.renderer.content_block.validation_results_table_content_block import (  # noqa: E501
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.renderer.page_renderer import ValidationResultsPageRenderer
from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder
from great_expectations.render.renderer.site_index_page_renderer import SiteIndexPageRenderer
from great_expectations.render.view.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import pass_context

from newsetl.quality.outcomes import FAILED, PASSED, PASSED_WITH_WARNINGS, validation_status

STATUS_TEXT = {PASSED: "Succeeded", PASSED_WITH_WARNINGS: "Passed with warnings", FAILED: "Failed"}
STATUS_ICON = {  # Font Awesome classes, as GX's own icons
    PASSED: ["fas", "fa-check-circle", "text-success"],
    PASSED_WITH_WARNINGS: ["fas", "fa-exclamation-triangle", "text-warning"],
    FAILED: ["fas", "fa-times", "text-danger"],
}
SEVERITY_BADGE = {"critical": "badge-danger", "warning": "badge-warning"}
_WARNING_MARK = "newsetl_passed_with_warnings"  # index links whose run failed only warnings


# -- escaping ------------------------------------------------------------------------------


def _is_component(value: Any) -> bool:
    return isinstance(value, RenderedComponentContent) or (
        isinstance(value, dict) and "content_block_type" in value
    )


def escape_value(value: Any) -> str:
    """A plain value as HTML text: None is empty, anything else its str(), escaped."""
    return "" if value is None else html.escape(str(value), quote=True)


def script_safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no `</script>`, no `<!--`."""
    text = value if isinstance(value, str) else json.dumps(value)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class _EscapingView:
    """The content-block filter of GX's Jinja views, with plain values escaped."""

    @pass_context
    def render_content_block(
        self,
        jinja_context: Any,
        content_block: Any,
        index: Any = None,
        content_block_id: Any = None,
        render_to_markdown: bool = False,
    ) -> Any:
        base = super().render_content_block  # type: ignore[misc]
        if render_to_markdown:
            return base(jinja_context, content_block, index, content_block_id, render_to_markdown)
        if isinstance(content_block, RenderedComponentContent):
            content_block = content_block.to_json_dict()
        if _is_component(content_block):
            if content_block.get("content_block_type") == "graph":
                content_block = {**content_block, "graph": script_safe_json(content_block["graph"])}
            return base(jinja_context, content_block, index, content_block_id)
        if isinstance(content_block, list):
            parts = []
            for i, element in enumerate(content_block):
                if _is_component(element) or isinstance(element, list):
                    child_id = f"{content_block_id}-{i}" if content_block_id else None
                    parts.append(
                        self.render_content_block(
                            jinja_context, element, i, content_block_id=child_id
                        )
                    )
                else:
                    parts.append(f"<span>{escape_value(element)}</span>")
            return "".join(parts)
        return escape_value(content_block)


class EscapingPageView(_EscapingView, DefaultJinjaPageView):
    """Validation and suite pages."""


class EscapingIndexPageView(_EscapingView, DefaultJinjaIndexPageView):
    """The index page (its table data goes through the same filter)."""


# -- severity --------------------------------------------------------------------------------


def severity_of(evr: ExpectationValidationResult) -> str:
    """An expectation's severity; GX's default, critical, when the suite gives none."""
    config = evr.expectation_config
    severity = getattr(config, "severity", None) if config is not None else None
    return str(getattr(severity, "value", severity) or "critical")


def _raised(evr: ExpectationValidationResult) -> bool:
    info = evr.exception_info or {}
    if info.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def page_status(result: ExpectationSuiteValidationResult) -> str:
    """passed, passed_with_warnings or failed: what the run's severities make of GX's outcome."""
    return validation_status(
        (bool(evr.success), severity_of(evr), _raised(evr)) for evr in result.results
    )


def _icon(classes: list[str], title: str) -> RenderedStringTemplateContent:
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$icon",
            "params": {"icon": ""},
            "styling": {
                "params": {"icon": {"tag": "i", "classes": classes, "attributes": {"title": title}}}
            },
        },
    )


def _severity_badge(severity: str) -> RenderedStringTemplateContent:
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$severity",
            "params": {"severity": severity},
            "styling": {
                "params": {
                    "severity": {
                        "classes": [
                            "badge",
                            SEVERITY_BADGE.get(severity, "badge-secondary"),
                            "newsetl-severity",
                        ]
                    }
                }
            },
        },
    )


class SeverityValidationResultsPageRenderer(ValidationResultsPageRenderer):
    """GX's validation page, with the status its severities give and their counts."""

    @classmethod
    def _render_validation_header(cls, validation_results: ExpectationSuiteValidationResult):
        header = super()._render_validation_header(validation_results)
        status = page_status(validation_results)
        params = header.subheader.string_template["params"]
        params["success"] = STATUS_TEXT[status]
        params["html_success_icon"] = (
            f'<i class="{" ".join(STATUS_ICON[status])}" aria-hidden="true"></i>'
        )
        return header

    @classmethod
    def _render_validation_statistics(cls, validation_results: ExpectationSuiteValidationResult):
        block = super()._render_validation_statistics(validation_results=validation_results)
        failed = [evr for evr in validation_results.results if not evr.success]
        for severity in ("critical", "warning"):
            count = sum(1 for evr in failed if severity_of(evr) == severity)
            block.table.append([f"Failed {severity.title()} Expectations", count])
        return block


class SeverityTableRenderer(ValidationResultsTableContentBlockRenderer):
    """The table of expectations on a validation page, with a Severity column."""

    @classmethod
    def _process_content_block(cls, content_block, has_failed_evr, render_object=None) -> None:
        super()._process_content_block(content_block, has_failed_evr, render_object)
        content_block.header_row.insert(1, "Severity")
        content_block.header_row_options["Severity"] = {"sortable": True}

    @classmethod
    def _get_content_block_fn(cls, expectation_type: str, expectation_config=None) -> Callable:
        row_fn = super()._get_content_block_fn(expectation_type, expectation_config)

        def with_severity(configuration=None, result=None, runtime_configuration=None, **kwargs):
            rows = row_fn(
                configuration=configuration,
                result=result,
                runtime_configuration=runtime_configuration,
                **kwargs,
            )
            severity = severity_of(result)
            for row in rows:
                if not result.success and severity == "warning" and not _raised(result):
                    row[0] = _icon(STATUS_ICON[PASSED_WITH_WARNINGS], "failed (warning)")
                row.insert(1, _severity_badge(severity))
            return rows

        return with_severity


class SeveritySuiteBulletListRenderer(ExpectationSuiteBulletListContentBlockRenderer):
    """The suite page's list of expectations, each with its severity badge in front."""

    @classmethod
    def _get_content_block_fn(cls, expectation_type: str, expectation_config=None) -> Callable:
        string_fn = super()._get_content_block_fn(expectation_type, expectation_config)
        if string_fn is None:
            return string_fn

        def with_severity(configuration=None, runtime_configuration=None, **kwargs):
            blocks = string_fn(
                configuration=configuration, runtime_configuration=runtime_configuration, **kwargs
            )
            severity = getattr(configuration, "severity", None)
            severity = str(getattr(severity, "value", severity) or "critical")
            if isinstance(blocks, list) and blocks:
                blocks[0] = [_severity_badge(severity), blocks[0]]  # one bullet, badge first
            return blocks

        return with_severity


class SeverityIndexBuilder(DefaultSiteIndexBuilder):
    """GX's index builder, marking the runs whose failures were all warnings."""

    def _add_validations_to_index_links(self, index_links_dict, site_keys) -> None:
        super()._add_validations_to_index_links(index_links_dict, site_keys)
        store = self.data_context.validation_results_store
        for link in index_links_dict.get("validations_links", []):
            if link.get("validation_success") or not link.get("run_id"):
                continue
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(
                    name=link["expectation_suite_name"]
                ),
                run_id=link["run_id"],
                batch_identifier=link["batch_identifier"],
            )
            try:
                result = store.get(key)
            except Exception:  # a result pruned meanwhile: GX's own mark stays
                continue
            link[_WARNING_MARK] = page_status(result) == PASSED_WITH_WARNINGS


class SeverityIndexPageRenderer(SiteIndexPageRenderer):
    """The index page's table of runs with three states: succeeded, warnings, failed."""

    @classmethod
    def _generate_validation_results_link_table(cls, index_links_dict):
        table = super()._generate_validation_results_link_table(index_links_dict)
        links = index_links_dict.get("validations_links", [])
        for link, row in zip(links, table.table_data, strict=True):
            if link.get(_WARNING_MARK):
                text = STATUS_TEXT[PASSED_WITH_WARNINGS]
                row["validation_success"] = _icon(
                    [*STATUS_ICON[PASSED_WITH_WARNINGS], "newsetl-warning-icon"], text
                )
                row["_validation_success_text"] = text
        return table


MODULE = __name__
SITE_SECTION_BUILDERS: dict[str, Any] = {
    "expectations": {
        "renderer": {
            "module_name": "great_expectations.render.renderer",
            "class_name": "ExpectationSuitePageRenderer",
            "column_section_renderer": {
                "class_name": "ExpectationSuiteColumnSectionRenderer",
                "bullet_list_renderer": {
                    "module_name": MODULE,
                    "class_name": "SeveritySuiteBulletListRenderer",
                },
            },
        },
        "view": {"module_name": MODULE, "class_name": "EscapingPageView"},
    },
    "validations": {
        "renderer": {
            "module_name": MODULE,
            "class_name": "SeverityValidationResultsPageRenderer",
            "column_section_renderer": {
                "class_name": "ValidationResultsColumnSectionRenderer",
                "table_renderer": {"module_name": MODULE, "class_name": "SeverityTableRenderer"},
            },
        },
        "view": {"module_name": MODULE, "class_name": "EscapingPageView"},
    },
}
SITE_INDEX_BUILDER: dict[str, Any] = {
    "module_name": MODULE,
    "class_name": "SeverityIndexBuilder",
    "renderer": {"module_name": MODULE, "class_name": "SeverityIndexPageRenderer"},
    "view": {"module_name": MODULE, "class_name": "EscapingIndexPageView"},
}
