"""The `acuback` command line.

Clinical commands read JSON and print JSON on stdout; bad input exits with
status 2 and a message on stderr, so scripts can rely on both.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

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
def demo(
    patients: Annotated[
        int,
        typer.Option(
            min=0,
            max=200_000,
            help="Grow the demo clinic to at least this many patients, each with a realistic"
            " course of care (for trying acuback at scale, and for `make bench`)",
        ),
    ] = 0,
) -> None:
    """Create (or refresh) the demo clinics and print their logins. Safe to repeat."""
    _django()
    from django.core.management import call_command

    call_command("load_demo")
    if patients:
        _grow_demo_cohort(patients)


def _grow_demo_cohort(patients: int) -> None:
    from acuback.web import cohort
    from acuback.web.audit.models import Action
    from acuback.web.audit.service import record_command
    from acuback.web.clinics.models import Clinic, Patient

    clinic = Clinic.objects.get(slug=cohort.DEMO_CLINIC)
    missing = patients - Patient.objects.filter(clinic=clinic).count()
    if missing <= 0:
        typer.echo(f"{clinic.name} already has {patients} patients or more.")
        return
    with _progress_bar() as bar:
        task = bar.add_task("Patients", total=missing)
        made = cohort.generate_cohort(clinic, missing, progress=lambda n: bar.advance(task, n))
    record_command(
        Action.CREATE,
        f"demo cohort of {made.patients} patients",
        f"acuback demo --patients {patients}",
        clinic=clinic,
    )
    typer.echo(
        f"{clinic.name}: added {made.patients} patients, {made.plans} courses, {made.sessions}"
        f" sessions, {made.scores} scores, {made.adverse_events} adverse events and"
        f" {made.appointments} appointments."
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    dev: Annotated[
        bool, typer.Option("--dev", help="Django's development server instead (one process)")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Server processes (default: 2 x cores + 1, at most 8)")
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="Threads in each process")] = 2,
) -> None:
    """Serve the clinic application (migrations must have run)."""
    _django()

    typer.echo(f"acuback is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    if dev:
        from django.core.management import call_command

        call_command("runserver", f"{host}:{port}", use_reloader=False)
        return
    from acuback.web import server

    server.serve(host, port, workers or server.default_workers(), threads)


@app.command()
def worker(
    batch: Annotated[
        bool, typer.Option("--batch", help="Run every task that is due now, then exit")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between looks at the queue when it is empty")
    ] = 5.0,
) -> None:
    """Run queued background work (appointment reminders, check-ins) until stopped."""
    _django()
    from django.core.management import call_command

    from acuback.web.checkins.service import schedule_missing as check_ins_missing
    from acuback.web.reminders.service import schedule_missing as reminders_missing

    # A task lost between a commit and its queueing (a stopped process) is queued again.
    reminders, check_ins = reminders_missing(), check_ins_missing()
    if not batch:
        typer.echo(
            f"acuback worker is running (Ctrl+C to stop); {reminders} reminder(s) and "
            f"{check_ins} check-in(s) queued"
        )
    call_command(
        "db_worker",
        batch=batch,
        interval=interval,
        reload=False,
        startup_delay=not batch,
        verbosity=1 if not batch else 0,
    )


# An intake or a series is a few kilobytes; anything near this is a mistake or an attack.
MAX_INPUT_BYTES = 1_000_000


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number acuback accepts (NaN and infinity are refused)")


def _read_json(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise fail(f"{path}: {size:,} bytes is over the 1 MB an engine input may be")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise fail(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise fail(f"{path}: not valid JSON: {exc}") from None
    except ValueError as exc:
        raise fail(f"{path}: {exc}") from None
    except RecursionError:
        raise fail(f"{path}: nested too deeply to be an engine input") from None


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _screen(path: Path) -> tuple[Any, Any]:
    from acuback.clinical.base import InputError
    from acuback.clinical.intake import read_intake
    from acuback.clinical.screening import screen as run_screen
    from acuback.knowledge.loader import knowledge_base

    kb = knowledge_base()
    try:
        intake = read_intake(_read_json(path), kb)
        return intake, run_screen(intake, kb)
    except InputError as exc:
        raise fail(f"{path}: {exc}") from None


@app.command()
def screen(intake: Annotated[Path, typer.Argument(help="Intake JSON file")]) -> None:
    """Triage, contraindications and STarT Back stratification of one intake."""
    _, result = _screen(intake)
    _print(result.model_dump(mode="json"))


@app.command()
def plan(
    intake: Annotated[Path, typer.Argument(help="Intake JSON file")],
    start: Annotated[
        str | None, typer.Option(help="First session date, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """Screen an intake and, when triage allows, draft the course plan."""
    from acuback.clinical.base import InputError
    from acuback.clinical.course_plan import course_plan
    from acuback.knowledge.loader import knowledge_base

    today = date.today()
    try:
        first = date.fromisoformat(start) if start else today
    except ValueError:
        raise fail(f"--start: '{start}' is not a date in the form YYYY-MM-DD") from None
    parsed, result = _screen(intake)
    try:
        drafted = course_plan(parsed, result, knowledge_base(), first, today)
    except InputError as exc:
        raise fail(f"--start: {exc.message}") from None
    output = result.model_dump(mode="json")
    output["plan"] = drafted.model_dump(mode="json") if drafted else None
    if drafted is None:
        output["plan_withheld"] = [blocker.text for blocker in result.plan_blockers]
    _print(output)


@app.command()
def outcome(series: Annotated[Path, typer.Argument(help="Score series JSON file")]) -> None:
    """Judge a series of scores: change, responder, and continue / extend / change / stop."""
    from acuback.clinical.base import InputError
    from acuback.clinical.outcome import decide, read_series
    from acuback.knowledge.loader import knowledge_base

    kb = knowledge_base()
    try:
        parsed = read_series(_read_json(series), kb)
    except InputError as exc:
        raise fail(f"{series}: {exc}") from None
    _print(decide(parsed, kb).model_dump(mode="json"))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The patient's question, in their own words")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text")] = False,
) -> None:
    """Answer a patient's question from the FAQ, with sources; urgent advice comes first."""
    import textwrap

    from acuback.clinical.ask import ask as answer
    from acuback.clinical.base import InputError
    from acuback.knowledge.loader import knowledge_base

    kb = knowledge_base()
    try:
        result = answer(question, kb)
    except InputError as exc:
        raise fail(str(exc)) from None
    if as_json:
        _print(result.contract())
        return
    if result.urgent is not None:
        typer.echo("URGENT: " + result.urgent.action)
        typer.echo("Because you mention: " + "; ".join(result.urgent.reasons) + ".")
        typer.echo("")
    if not result.answered:
        typer.echo(
            "We have no answer to that question. Please ask your practitioner or your doctor."
        )
        return
    for number, found in enumerate(result.answers, 1):
        typer.echo(f"{number}. {found.title}")
        typer.echo(
            textwrap.fill(
                kb.faq[found.topic].description, 88, initial_indent="   ", subsequent_indent="   "
            )
        )
        typer.echo("   Sources: " + "; ".join(kb.source_label(src) for src in found.sources))
        typer.echo("")


export_app = typer.Typer(no_args_is_help=True, help="Export data for research.")
app.add_typer(export_app, name="export")


def _day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: '{text}' is not a date in the form YYYY-MM-DD") from None


@export_app.command("research")
def export_research(
    directory: Annotated[Path, typer.Argument(help="New or empty directory to write into")],
    from_: Annotated[
        str | None, typer.Option("--from", help="Courses starting on or after, YYYY-MM-DD")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Courses starting on or before, YYYY-MM-DD")
    ] = None,
    clinic: Annotated[str | None, typer.Option(help="Only this clinic (its slug)")] = None,
) -> None:
    """De-identified CSV files of courses, sessions, scores and adverse events."""
    start, end = _day("--from", from_), _day("--to", to)
    if start is not None and end is not None and start > end:
        raise fail(f"--from {start} is after --to {end}")
    _django()
    from rich.console import Console
    from rich.progress import Progress

    from acuback.web import research
    from acuback.web.clinics.models import Clinic

    if clinic is not None and not Clinic.objects.filter(slug=clinic).exists():
        raise fail(f"--clinic: no clinic has the slug '{clinic}'")
    try:
        research.check_directory(directory)
    except research.ExportError as exc:
        raise fail(str(exc)) from None
    console = Console(stderr=True)
    with Progress(console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("Writing the research export", total=research.STEPS)
        try:
            written = research.export(
                directory, start, end, clinic, step=lambda _: progress.advance(task)
            )
        except research.ExportError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"{directory}: cannot write: {exc.strerror}") from None
    from acuback.web.audit.models import Action
    from acuback.web.audit.service import record_command

    record_command(
        Action.EXPORT,
        f"de-identified research export, {sum(written.values())} rows",
        f"acuback export research {directory.resolve()}",
        clinic=Clinic.objects.filter(slug=clinic).first() if clinic else None,
    )
    for name, rows in written.items():
        typer.echo(f"{name}: {rows} row(s)")
    typer.echo(f"written to {directory}")


token_app = typer.Typer(no_args_is_help=True, help="API tokens for scripts and integrations.")
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="The staff user the token acts for")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "command line",
) -> None:
    """Create a token for a staff user; the token is the last word printed, shown once."""
    _django()
    from django.contrib.auth import get_user_model

    from acuback.web.apitokens import service
    from acuback.web.audit.models import Action
    from acuback.web.audit.service import record_command
    from acuback.web.clinics.service import NotStaff

    user = get_user_model()._default_manager.filter(username=username).first()
    if user is None:
        raise fail(f"no user is called '{username}'")
    if not user.is_active:
        raise fail(f"'{username}' is deactivated")
    try:
        token, secret = service.create_token(user, name)
    except NotStaff:
        raise fail(f"'{username}' is not staff of a clinic") from None
    except service.TokenNameNotValid as exc:
        raise fail(f"--name: {exc}") from None
    record_command(
        Action.CREATE, f"API token {token.pk} for {username}", "acuback token create",
        clinic=token.clinic,
    )  # fmt: skip
    typer.echo(f"token {token.pk} for {username} at {token.clinic.name} ({token.name}):")
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The number `token create` printed")],
) -> None:
    """Revoke a token: it stops opening the API at once."""
    _django()
    from django.utils import timezone

    from acuback.web.apitokens.models import ApiToken
    from acuback.web.audit.models import Action
    from acuback.web.audit.service import record_command

    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise fail(f"no token {token_id}")
    ApiToken.objects.filter(pk=token_id, revoked__isnull=True).update(revoked=timezone.now())
    record_command(
        Action.CHANGE, f"API token {token_id} revoked", "acuback token revoke",
        clinic=token.clinic,
    )  # fmt: skip
    typer.echo(f"token {token_id} revoked")


def _progress_bar() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def _per_table(bar: Any) -> Any:
    """The backup module's progress callback: one bar per table, rows done of its total."""

    def start(label: str, total: int) -> Any:
        task = bar.add_task(label, total=total)
        return lambda done: bar.advance(task, done)

    return start


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write (.jsonl.gz)")],
) -> None:
    """Back up the whole database to one file while the server runs."""
    _django()
    from django.db import DatabaseError

    from acuback.web import backup as backups

    with _progress_bar() as bar:
        start = _per_table(bar)
        try:
            header = backups.backup(file, start)
        except backups.BackupError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"{file}: cannot write: {exc.strerror}") from None
        except DatabaseError as exc:
            raise fail(f"the database cannot be read: {exc}") from None
    typer.echo(f"backed up {header.rows} rows of {len(header.counts)} tables to {file}")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file written by `acuback backup`")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete everything in the database first")
    ] = False,
) -> None:
    """Restore a backup into an empty database (SQLite or PostgreSQL), migrating it first."""
    _django()
    from django.db import DatabaseError

    from acuback.web import backup as backups

    with _progress_bar() as bar:
        start = _per_table(bar)
        try:
            header = backups.restore(file, start, replace=replace)
        except backups.BackupError as exc:
            raise fail(str(exc)) from None
        except DatabaseError as exc:
            raise fail(f"the database cannot be written: {exc}") from None
    typer.echo(
        f"restored {header.rows} rows of {len(header.counts)} tables from {file} "
        f"(made {header.created} by acuback {header.acuback_version})"
    )


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
