"""The ``servicepoint`` command: serve, database, demo, staff accounts, kiosks and jobs.

Flask, SQLAlchemy and the application are imported by the commands that use them, not here:
``serve`` keeps the gunicorn master small and builds the application in its worker, after
gevent has patched the standard library there.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from servicepoint.roles import Role

if TYPE_CHECKING:
    from flask import Flask

DEMO_LOGINS = "demo-logins.txt"


def _app(ctx: click.Context) -> Flask:
    if ctx.obj is None:
        from servicepoint import create_app

        ctx.obj = create_app()
    app: Flask = ctx.obj
    return app


def database(app: Flask):  # type: ignore[no-untyped-def]  # servicepoint.web.Database
    from servicepoint.web import database as of_app

    return of_app(app)


def _in_child(work: Callable[[], None]) -> None:
    """Run ``work`` in a forked child and wait for it: what it imports and opens (the
    application, the database, migrations) stays out of this process."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            work()
        except click.ClickException as error:
            error.show()
            code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise click.ClickException("The database could not be prepared (see above).")


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """servicepoint: walk-in queue and appointment kiosk system."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--worker",
    type=click.Choice(["gevent", "threaded"]),
    default="gevent",
    show_default=True,
    envvar="SERVICEPOINT_WORKER",
    help="gevent: green threads, thousands of open screens and phones per process; "
    "threaded: a thread per open connection (the earlier model).",
)
@click.option(
    "--connections",
    default=10000,
    show_default=True,
    type=click.IntRange(min=1),
    envvar="SERVICEPOINT_CONNECTIONS",
    help="gevent: open connections at most (each open screen or phone holds one).",
)
@click.option(
    "--threads",
    default=400,
    show_default=True,
    type=click.IntRange(min=1),
    help="threaded: threads of the server; each open screen or phone holds one.",
)
@click.option(
    "--graceful-timeout",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    envvar="SERVICEPOINT_GRACEFUL_TIMEOUT",
    help="Seconds a stopping server gives open requests before it drops them "
    "(open screens never finish; 0 stops at once).",
)
@click.option(
    "--control-socket",
    type=click.Path(dir_okay=False),
    envvar="SERVICEPOINT_CONTROL_SOCKET",
    help="Path of gunicorn's control socket for gunicornc (default: none).",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    envvar="SERVICEPOINT_ACCESS_LOG",
    help="A line per request on standard output (tokens redacted; successful static files "
    "and Socket.IO long-polls left out).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    worker: str,
    connections: int,
    threads: int,
    graceful_timeout: int,
    control_socket: str | None,
    access_log: bool,
) -> None:
    """Serve the app with gunicorn (one process, green threads; WebSockets included).

    The schema is brought up to date first (in a child process), then the application is
    built in gunicorn's worker."""
    from servicepoint.server import options, run

    settings = options(
        host, port, worker, threads, connections, graceful_timeout, control_socket, access_log
    )

    def prepare() -> None:
        from servicepoint.migrate import upgrade

        app = _app(ctx)
        upgrade(database(app).engine)
        _print_welcome(app, host, port)

    _in_child(prepare)
    from servicepoint import create_app

    run(create_app, settings)


def _print_welcome(app: Flask, host: str, port: int) -> None:
    from sqlalchemy import select

    from servicepoint import public
    from servicepoint.models import Location

    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    split = bool(public.hosts_of(app.config))  # PUBLIC_URL is then the phones' address only
    base = (None if split else app.config.get("PUBLIC_URL")) or f"http://{shown}:{port}"
    with database(app).session() as session:
        slugs = session.scalars(select(Location.slug).where(Location.active)).all()
    click.echo(f"\nservicepoint is starting on {base}\n")
    for slug in slugs:
        click.echo(f"  {slug}")
        click.echo(f"    kiosk            {base}/kiosk/{slug}")
        click.echo(f"    lobby display    {base}/display/{slug}")
    click.echo(f"  counselor view     {base}/staff/")
    if split:
        click.echo(f"  phones (internet)  {public.phone_base(app.config)}{public.path('…')}")
    # The server's output ends up in logs: name the file, never the passwords in it.
    logins = Path(app.instance_path) / DEMO_LOGINS
    if logins.exists():
        if logins.stat().st_mode & 0o077:
            logins.chmod(0o600)
        click.echo(f"\n  demo logins        {logins} (readable by its owner only)")
    click.echo("")


@main.group("db")
def db_group() -> None:
    """Create or upgrade the database schema."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create the schema or bring it up to date (safe to run at every start)."""
    from servicepoint.migrate import upgrade

    app = _app(ctx)
    upgrade(database(app).engine)
    click.echo("Database is up to date.")


@db_group.command("init")
@click.pass_context
def db_init(ctx: click.Context) -> None:
    """Create the schema on an empty database (same as upgrade)."""
    ctx.invoke(db_upgrade)


@main.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when locations exist already.")
@click.option(
    "--without-sessions",
    is_flag=True,
    help="Define no consultation sessions: every topic is offered at any hour.",
)
@click.option(
    "--history",
    "history_days",
    type=click.IntRange(0, 1100),
    default=0,
    help="Also write DAYS days of plausible past visits (statistics) up to yesterday, "
    "to the demo's locations or to those already there.",
)
@click.pass_context
def demo_command(
    ctx: click.Context, if_empty: bool, without_sessions: bool, history_days: int
) -> None:
    """Load demo organisations, locations, topics, desks, consultation sessions and staff with
    generated passwords (after db upgrade)."""
    from servicepoint import demo

    app = _app(ctx)
    db = database(app)
    with db.unit_of_work() as session:
        present = not demo.is_empty(session)
    if present:
        if if_empty or history_days:
            click.echo("Demo data already present.")
            _demo_history(app, history_days)
            return
        raise click.ClickException("The database has locations already; demo not loaded.")
    with db.unit_of_work() as session:
        logins = demo.load(session, sessions=not without_sessions)
        booked = [] if without_sessions else demo.samples(session)
    path = Path(app.instance_path) / DEMO_LOGINS
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.writelines(f"{user} / {login.password}\n" for user, login in logins.items())
    click.echo("Demo loaded. Logins (also in the instance folder, readable by its owner only):")
    width = max(len(f"{user} / {login.password}") for user, login in logins.items())
    for user, login in logins.items():
        click.echo(f"  {f'{user} / {login.password}':<{width}}  {login.roles}")
    if booked:
        click.echo("To try at Leverkusen's kiosk (Ich habe einen Termin / eine Karte):")
        for line in booked:
            click.echo(f"  {line}")
    _demo_history(app, history_days)


def _demo_history(app: Flask, days: int) -> None:
    if not days:
        return
    from servicepoint.stats import history

    with database(app).unit_of_work() as session:
        written = history.write(session, days)
    click.echo(f"Past visits written: {written} over {days} days (statistics).")


@main.group("users")
def users_group() -> None:
    """Manage staff accounts."""


@users_group.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(
        [Role.ADMIN.value, Role.COUNSELOR.value, Role.MANAGER.value, Role.REPORTING.value]
    ),
    default=Role.COUNSELOR.value,
    show_default=True,
    help="admin: manages everything; counselor or manager: that role at every location; "
    "reporting: sees only the statistics (small numbers hidden) of every location.",
)
@click.option("--name", "display_name", help="Name shown to colleagues (default: USERNAME).")
@click.option(
    "--language",
    type=click.Choice(["de", "en"]),
    default=None,
    help="Language of their staff pages (default: their browser's until they choose).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def users_add(
    ctx: click.Context,
    username: str,
    role: str,
    display_name: str | None,
    language: str | None,
    password_stdin: bool,
) -> None:
    """Add a staff account; without --password-stdin a password is generated and shown."""
    import secrets

    app = _app(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = secrets.token_urlsafe(12)
    from servicepoint import audit, manage
    from servicepoint.errors import ServicepointError

    try:
        with database(app).unit_of_work() as session:
            audit.act_as(session, None, audit.Source.CLI)
            staff = manage.create_staff(
                session,
                username,
                password,
                display_name=display_name,
                role=role if role in (Role.ADMIN, Role.REPORTING) else Role.STAFF,
                memberships=[]
                if role in (Role.ADMIN, Role.REPORTING)
                else manage.every_location(session, role),
            )
            if language is not None:
                manage.set_staff_language(staff, language)
    except ServicepointError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Added {role} '{username}'.")
    if not password_stdin:
        click.echo(f"Password: {password}")


@main.group("printers")
def printers_group() -> None:
    """Thermal ticket printers."""


@printers_group.command("test")
@click.argument("uri")
@click.option(
    "--profile",
    default="TM-T20II",
    show_default=True,
    help="python-escpos capability profile of the printer.",
)
@click.option(
    "--language",
    default="de",
    show_default=True,
    help="Language of the sample ticket (de, en, ar, fa, uk, ru, tr, ro, bg, ti).",
)
def printers_test(uri: str, profile: str, language: str) -> None:
    """Print a sample ticket on the printer at URI (tcp://, usb://, serial://, file://,
    cups://, dummy://)."""
    from printers import print_ticket, test_ticket
    from printers.errors import PrinterError

    try:
        print_ticket(test_ticket(language), uri, profile)
    except PrinterError as error:
        raise click.ClickException(f"Not printed: {error.reason}") from error
    click.echo(f"Printed a sample ticket ({language}) on {uri}.")


@main.command(
    "print-agent",
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def print_agent(args: tuple[str, ...]) -> None:
    """Receive this kiosk's print jobs and print them (same as servicepoint-print-agent)."""
    from printers.agent import main as agent

    agent.main(list(args), prog_name="servicepoint print-agent")


@main.group("jobs")
def jobs_group() -> None:
    """Periodic jobs (run by the systemd timers): online booking's mail and deletions."""


@jobs_group.command("list")
def jobs_list() -> None:
    """List the jobs."""
    from servicepoint.jobs import JOBS

    for job in JOBS.values():
        click.echo(f"{job.name:<12} {job.summary}")


@jobs_group.command("run")
@click.argument("names", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Count what would be done; change nothing.")
@click.pass_context
def jobs_run(ctx: click.Context, names: tuple[str, ...], dry_run: bool) -> None:
    """Run the jobs NAMES in the order given; prints how many things each did (or would)."""
    from servicepoint.jobs import JOBS

    unknown = [name for name in names if name not in JOBS]
    if unknown:
        raise click.UsageError(f"no such job: {', '.join(unknown)} (see 'servicepoint jobs list')")
    app = _app(ctx)
    for name in names:
        count = JOBS[name].run(app, dry_run)
        click.echo(f"{name}: {count}{' (dry run)' if dry_run else ''}")


@main.group("kiosks")
def kiosks_group() -> None:
    """Kiosk screens and their printers."""


@kiosks_group.command("add")
@click.argument("location")
@click.argument("name")
@click.option(
    "--printer-mode",
    type=click.Choice(["none", "server", "agent"]),
    default="none",
    show_default=True,
)
@click.option("--printer", "printer_uri", default="", help="The printer's URI.")
@click.option("--profile", default="TM-T20II", show_default=True)
@click.pass_context
def kiosks_add(
    ctx: click.Context, location: str, name: str, printer_mode: str, printer_uri: str, profile: str
) -> None:
    """Add a kiosk at LOCATION (slug) and show its token once."""
    from servicepoint import audit, manage, tickets
    from servicepoint.errors import ServicepointError

    app = _app(ctx)
    try:
        with database(app).unit_of_work() as session:
            audit.act_as(session, None, audit.Source.CLI)
            kiosk, token = manage.create_kiosk(
                session,
                tickets.get_location(session, location),
                name,
                manage.PrinterSettings(printer_mode, printer_uri, profile),
            )
            slug = kiosk.location.slug
    except ServicepointError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Added kiosk '{name}' at {location}. Its token (shown only now): {token}")
    click.echo(f"Kiosk screen: <server>/kiosk/{slug}?kiosk={token}")
