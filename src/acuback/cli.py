"""The `acuback` command line.

Clinical commands read JSON and print JSON on stdout; bad input exits with
status 2 and a message on stderr, so scripts can rely on both.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help=__doc__
)
kb_app = typer.Typer(no_args_is_help=True, help="Inspect and validate the knowledge base.")
app.add_typer(kb_app, name="kb")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuback.web.settings")
    import django

    django.setup()


def fail(message: str) -> typer.Exit:
    typer.echo(f"acuback: {message}", err=True)
    return typer.Exit(code=2)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `acuback manage migrate`."""
    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuback.web.settings")
    execute_from_command_line(["acuback manage", *ctx.args])


@app.command()
def demo() -> None:
    """Create (or refresh) the demo clinics and print their logins. Safe to repeat."""
    _django()
    from django.core.management import call_command

    call_command("load_demo")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Serve the clinic application (migrations must have run)."""
    _django()
    from django.core.management import call_command

    typer.echo(f"acuback is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    call_command("runserver", f"{host}:{port}", use_reloader=False)


@kb_app.command("check")
def kb_check() -> None:
    """Validate every knowledge-base file and print the counts."""
    from acuback.knowledge.loader import KnowledgeError, load

    try:
        kb = load()
    except KnowledgeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from exc
    counts = kb.counts()
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        typer.echo(f"{name:<{width}}  {count:>4}")
    typer.echo(f"{'total':<{width}}  {sum(counts.values()):>4}  (all references resolve)")


@kb_app.command("show")
def kb_show(code: str) -> None:
    """Print one entry with its sources spelled out."""
    import yaml

    from acuback.knowledge.loader import knowledge_base

    kb = knowledge_base()
    try:
        collection, entry = kb.entry(code)
    except KeyError:
        raise fail(f"no knowledge-base entry has the code '{code}'") from None
    data = entry.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    typer.echo(f"# {collection}")
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip())
    sources = getattr(entry, "sources", [])
    if sources:
        typer.echo("# sources")
        for src in sources:
            typer.echo(f"- {src}: {kb.source_label(src)}")

