"""The command line (CONTRACT.md §1, §7): ``reportdsl check | plan | parse | build | fmt | lsp | watch``.

In: arguments. Out: files and stdout; errors on stderr in the compiler format, exit
status 0 (done), 1 (an error in the report, its parameters or its data), 2 (wrong
usage, from click), 130 (interrupted), 143 (SIGTERM), 141 (the output's reader went
away, as for a tool killed by SIGPIPE; nothing printed). Never a Python traceback for a user error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import signal
import sys
import time
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from reportdsl.errors import ReportError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status


STDOUT = "-"  # `-o -`: the output goes to standard output


def _stderr() -> Console:
    from rich.console import Console

    # Messages quote the report: nothing in them is markup or an emoji code (":x:").
    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False, markup=False)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds as Ctrl-C does: temporary
    files and work folders are removed, worker processes stopped, no output half-written."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def report_errors(command):
    """Turn ReportError into the compiler-style message and exit 1; Ctrl-C into 130,
    SIGTERM into 143, both after cleaning up."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            _reader_gone()
        except ReportError as err:
            if _from_broken_pipe(err):
                _reader_gone()
            show_error(err)
            sys.exit(1)
        except KeyboardInterrupt as stop:
            _stderr().print("terminated" if isinstance(stop, Terminated) else "interrupted", markup=False)
            sys.exit(143 if isinstance(stop, Terminated) else 130)
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper


def _from_broken_pipe(err: BaseException) -> bool:
    """Whether writing failed because the output's reader went away (EPIPE)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, BrokenPipeError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reader_gone() -> NoReturn:
    """The output's reader went away (``build -o - | head -1``): stop as Unix tools
    do, killed by SIGPIPE (status 141 in a shell), with nothing on stderr. What is
    still buffered for standard output goes nowhere instead of failing at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(128 + signal.SIGPIPE)


def show_error(err: ReportError) -> None:
    """Each diagnostic as ``Diagnostic.render`` wrote it, character for character (on a
    terminal, ``error:`` in bold red: a style, never markup parsed from the text)."""
    from rich.text import Text

    console = _stderr()
    for diagnostic in err.diagnostics:
        text = diagnostic.render()
        head, _, rest = text.partition("\n")
        where, sep, message = head.partition("error: ")
        if console.is_terminal and sep:
            console.print(Text.assemble(where, ("error:", "bold red"), " ", message))
        else:
            console.print(Text(head))
        if rest:
            console.print(Text(rest))


def run() -> None:
    """The ``reportdsl`` command. Before its first row a build allocates about a million
    objects that live to the end (the parser, the plan's models, locale data, the
    compiled templates): the cyclic garbage collector would walk them again and again,
    and once more at exit, for nothing — ~0.1 s of a one-page build. So it is off
    until the report is compiled (``_collect_new_objects_only``) and frozen at exit."""
    global _gc_paused
    gc.disable()
    _gc_paused = True
    try:
        main()
    finally:
        gc.freeze()


_gc_paused = False  # by run(): not when main() is called from Python (tests, scripts)


def _collect_new_objects_only() -> None:
    global _gc_paused
    if _gc_paused:
        gc.freeze()  # what exists now stays; rows and pages are collected as usual
        gc.enable()
        _gc_paused = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reportdsl")
def main() -> None:
    """reportdsl: compile .report files into paginated PDF reports."""


OUTSIDE_PATHS = click.option(
    "--allow-outside-paths", is_flag=True,
    help="Let the report's images and template lie outside its folder (off: a report cannot make a build "
         "read other files).")


@main.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False))
@OUTSIDE_PATHS
def check(reports: tuple[str, ...], allow_outside_paths: bool) -> None:
    """Parse and check REPORTS; no data is read."""
    from reportdsl import api

    failed = False
    for path in reports:
        try:
            text = api.read_report(path)
            api.check(text, filename=path, allow_outside_paths=allow_outside_paths)
        except ReportError as err:
            show_error(err)
            failed = True
        except KeyboardInterrupt:
            sys.exit(130)
        else:
            click.echo(f"{path}: ok")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--sql", "sql", is_flag=True,
              help="Print the SQL a build sends its database to compute the aggregates, or why it streams.")
@click.option("--source", help="With --sql: the source a build would replace the report's with.")
@OUTSIDE_PATHS
@report_errors
def plan(report: str, allow_outside_paths: bool, sql: bool, source: str | None) -> None:
    """Print the compiled plan (the aggregation config) as JSON."""
    from reportdsl import api

    text = api.read_report(report)
    compiled = api.plan(text, filename=report, allow_outside_paths=allow_outside_paths)
    if sql:
        from reportdsl.pushdown.attempt import explain

        click.echo(explain(compiled, source, text), nl=False)
        return
    click.echo(compiled.model_dump_json(indent=2))


@main.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files fmt would change and exit 1 if there are any.")
def fmt(reports: tuple[str, ...], check_only: bool) -> None:
    """Rewrite REPORTS in the canonical layout, keeping every comment ('-': stdin to stdout)."""
    from reportdsl.fmt.files import format_files

    try:
        status = format_files(reports, check_only, show_error, click.echo)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(status)


@main.command()
def lsp() -> None:
    """Run the language server (Language Server Protocol) on standard input and output."""
    from reportdsl.lsp import serve

    serve()


@main.command()
@click.argument("report", type=click.Path(dir_okay=False))
@report_errors
def parse(report: str) -> None:
    """Print the syntax tree (AST) as JSON."""
    from reportdsl import api

    tree = api.parse(api.read_report(report), filename=report)
    click.echo(json.dumps(_ast_json(tree), indent=2, ensure_ascii=False, default=str))


@main.command()
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("-o", "--output",
              help="Output file (default: REPORT-STEM.FORMAT here); {n} = page number; '-' = standard output.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "png", "svg", "typ", "json", "xlsx", "csv"]),
              help="Default: from -o, else pdf.")
@click.option("--csv-bom", is_flag=True, help="Start a CSV with a UTF-8 byte-order mark (what Excel needs).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A report parameter; repeatable.")
@click.option("--source", help="Replace the report's source: a SQLAlchemy URL, a .csv/.jsonl/.parquet path, "
                               "or parquet:PATH-OR-GLOB.")
@click.option("--quiet", is_flag=True, help="No progress display, no 'wrote …' line.")
@click.option("--require-rows", is_flag=True,
              help="Exit with status 1 when no row passes 'where' (after writing the no_data output).")
@click.option("--stats", is_flag=True, help="Print build statistics (rows, rate, time per phase, pushdown).")
@click.option("--pushdown", type=click.Choice(["auto", "off", "force"]), default="auto", show_default=True,
              help="Let a SQL database compute the aggregates of a report without detail rows: where exact "
                   "(auto), never (off), or fail saying why it cannot (force).")
@click.option("--jobs", type=click.IntRange(min=1),
              help="Typesetting processes for a long report (default: the cores available).")
@click.option("--chunk-rows", type=click.IntRange(min=100),
              help="Rows a piece of a long report holds (default 4000); a report of up to five pieces is one document.")
@OUTSIDE_PATHS
@report_errors
def build(report: str, output: str | None, fmt: str | None, csv_bom: bool, params: tuple[str, ...],
          source: str | None, quiet: bool, require_rows: bool, stats: bool, jobs: int | None,
          chunk_rows: int | None, allow_outside_paths: bool, pushdown: str) -> None:
    """Build REPORT: read its data, compute its aggregates, write the document."""
    from reportdsl import api

    values = _param_values(params)
    try:
        fmt = api.output_format(output, fmt) if output and output != STDOUT else (fmt or "pdf")
    except api.UnknownFormatError as err:
        raise click.UsageError(err.message) from None
    compiled = api.compile_file(report, allow_outside_paths=allow_outside_paths, source=source)
    _collect_new_objects_only()
    output = output or f"{Path(report).stem}.{fmt}"
    to_stdout = output == STDOUT
    started = time.perf_counter()
    with BuildProgress(enabled=not quiet) as progress:
        typesetting: dict[str, Any] = {"pushdown": pushdown}
        if fmt in api.TABLE_FORMATS:
            typesetting["csv_bom"] = csv_bom
        elif fmt != "json":
            typesetting.update(on_phase=progress.phase, jobs=jobs, chunk_rows=chunk_rows)
        destination = sys.stdout.buffer if to_stdout else output
        result = compiled.build(destination, params=values, source=source, format=fmt, progress=progress.rows,
                                **typesetting)
    warnings = [f"warning: {w}" for w in getattr(result, "warnings", [])]
    if result.skipped_rows:
        warnings.append(f"warning: {result.skipped_rows} rows skipped (on_error skip); see the JSON result's errors")
    if warnings:
        console = _stderr()
        for warning in warnings:
            console.print(warning, markup=False)
    if not quiet:
        pages = result.stats.get("typesetting", {}).get("pages")
        what = (f"{pages:,} page{'s' if pages != 1 else ''}, " if pages is not None else "")
        what += f"{result.row_count:,} row{'s' if result.row_count != 1 else ''}, {time.perf_counter() - started:.1f} s"
        _stderr().print(f"wrote {'standard output' if to_stdout else output}: {what}", markup=False, highlight=False)
    if stats:  # on stderr when the output itself goes to stdout
        click.echo(json.dumps(result.stats, indent=2, default=str), err=to_stdout)
    if require_rows and result.row_count == 0:
        _stderr().print("error: no row passed the report's 'where' (--require-rows)", markup=False)
        sys.exit(1)


def _param_values(params: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        values[name.strip()] = value
    return values


@main.command()
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8765, show_default=True,
              help="The port on 127.0.0.1 (0: any free one).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A report parameter; repeatable.")
@click.option("--source", help="Replace the report's source: a SQLAlchemy URL or a .csv/.jsonl path.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg", show_default=True,
              help="How the pages are shown.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser.")
@OUTSIDE_PATHS
@report_errors
def watch(report: str, port: int, params: tuple[str, ...], source: str | None, fmt: str, open_browser: bool,
          allow_outside_paths: bool) -> None:
    """Preview REPORT in the browser, rebuilt whenever it or its data, images or template change.

    Serves http://127.0.0.1:PORT/ until Ctrl-C (exit 0). Errors show in the page beside the last good pages.
    """
    from reportdsl.preview import serve

    serve(report, port=port, params=_param_values(params), source=source, format=fmt, open_browser=open_browser,
          allow_outside_paths=allow_outside_paths, on_compiled=_collect_new_objects_only)


class BuildProgress:
    """Phase, rows read and rate on a terminal's stderr; nothing otherwise."""

    def __init__(self, enabled: bool):
        # rich costs ~40 ms to import: only for a terminal that shows progress.
        self.enabled = enabled and sys.stderr.isatty()
        self.console = _stderr() if self.enabled else None
        self.status: Status | None = None
        self.current = "reading"

    def __enter__(self) -> BuildProgress:
        if self.console is not None:  # enabled
            self.status = status = self.console.status("reading rows…")
            status.__enter__()
        return self

    def __exit__(self, *exc):
        if self.status is not None:
            self.status.__exit__(*exc)

    def phase(self, name: str) -> None:
        self.current = name
        if self.status is not None:
            self.status.update(f"{name}…")

    def rows(self, phase: str, rows: int, seconds: float) -> None:
        if self.status is not None:
            rate = rows / seconds if seconds > 0 else 0
            self.status.update(f"{phase}: {rows:,} rows, {rate:,.0f} rows/s")


def _ast_json(node):
    if dataclasses.is_dataclass(node):
        out = {"node": type(node).__name__}
        out.update({f.name: _ast_json(getattr(node, f.name)) for f in dataclasses.fields(node)})
        return out
    if isinstance(node, (list, tuple)):
        return [_ast_json(v) for v in node]
    return node


if __name__ == "__main__":
    main()
