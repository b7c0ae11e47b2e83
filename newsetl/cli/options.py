"""Command-line options derived from `Settings`: each option's name, type, help text and default
come from its field, so a default is written once, in newsetl/settings.py, and a new field is
an option of `newsetl run` without touching the command line.

An option's value is passed to Settings only when it is given on the command line; otherwise
the field comes from its NEWSETL_* variable, else its default. So a flag wins over the
environment, and the help shows the default that applies when neither is set."""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from pydantic import ValidationError
from pydantic_core import PydanticUndefined
from rich.markup import escape

from newsetl.cli.terminal import EXIT_USAGE, fail
from newsetl.common.settings import Settings, option_fields

ENV_PREFIX = Settings.model_config.get("env_prefix", "")


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def env_name(name: str) -> str:
    return f"{ENV_PREFIX}{name}".upper()


def default_text(name: str) -> str:
    """The default as the help shows it."""
    field = Settings.model_fields[name]
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "default_help" in extra:
        return str(extra["default_help"])
    value = field.get_default(call_default_factory=True)
    if value is PydanticUndefined or value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _value_type(annotation: Any) -> Any:
    """The type an option parses: `X | None` is X."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def option_parameter(name: str) -> inspect.Parameter:
    """A keyword parameter typer reads as the option for one Settings field. Its default is
    None (not given), whatever the field's default: Settings applies that."""
    field = Settings.model_fields[name]
    kind = _value_type(field.annotation)
    help_text = escape(f"{field.description or ''} [default: {default_text(name)}]".strip())
    if kind is bool:
        decls = [f"{flag_name(name)}/--no-{flag_name(name)[2:]}"]
        info = typer.Option(*decls, help=help_text, metavar="", show_default=False)
    elif get_origin(kind) is Literal:
        kind = str  # the choices are checked by Settings and shown in the help text
        info = typer.Option(flag_name(name), help=help_text, show_default=False)
    else:
        if kind not in (int, float, str, Path):
            kind = str
        info = typer.Option(flag_name(name), help=help_text, show_default=False)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[kind | None, info],
    )


def build_settings(flags: dict[str, Any]) -> Settings:
    """Settings from the flags given (None: not given), then NEWSETL_* variables, then
    defaults. A bad value exits 2 with one line naming the option and its variable."""
    try:
        return Settings(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(map(str, error["loc"]))
            if where in Settings.model_fields:
                where = f"{where} ({flag_name(where)} / {env_name(where)})"
            problems.append(f"{where}: {error['msg']}")
        raise fail(f"bad arguments: {'; '.join(problems)}", EXIT_USAGE) from None


def settings_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the named Settings fields as options (every option field when none are
    named), ahead of its own. The command receives `settings`, built from them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        fields = list(names) or option_fields()
        unknown = [name for name in fields if name not in Settings.model_fields]
        if unknown:
            raise TypeError(f"not Settings fields: {unknown}")
        own = [
            parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for parameter in inspect.signature(command, eval_str=True).parameters.values()
            if parameter.name != "settings"
        ]
        parameters = [option_parameter(name) for name in fields] + own

        @functools.wraps(command)
        def wrapper(**values: Any) -> Any:
            flags = {name: values.pop(name) for name in fields}
            return command(settings=build_settings(flags), **values)

        del wrapper.__wrapped__
        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate


def with_default(help_text: str, default: object) -> str:
    """Help text with its default shown (escaped: Rich would take `[default: …]` for markup)."""
    return escape(f"{help_text} [default: {default}]")


class _FlagsTakeNoValue:
    """Typer's help gives a flag a `<bool>` type column, as if it took a value: blanked."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class Command(_FlagsTakeNoValue, typer.core.TyperCommand):
    """A newsetl command (see _FlagsTakeNoValue). SIGINT, SIGTERM and SIGHUP stop it cleanly,
    with one line and exit 128 + the signal (newsetl.common.interrupt)."""

    def invoke(self, ctx: Any) -> Any:
        import click

        from newsetl.common import interrupt

        interrupt.install()
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except BaseException as exc:
            signum = interrupt.signal_of(exc)
            if signum is None:
                raise
            interrupt.stop(signum)
        finally:
            if interrupt.stopping():
                interrupt.leave()  # the line, and out: exit 128 + the signal
            interrupt.done()


class Group(_FlagsTakeNoValue, typer.core.TyperGroup):
    """A newsetl command group (see _FlagsTakeNoValue)."""


# Options several commands share.
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help=with_default("One JSON document on stdout; nothing else goes there.", "off")
    ),
]


VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help=with_default("Show Prefect's logs.", "off"))
]
