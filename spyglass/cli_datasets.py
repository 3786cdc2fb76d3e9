"""`spyglass datasets import|export`: dataset items to and from CSV and JSON Lines files,
through a running server's API."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from spyglass.sdk import Client

app = typer.Typer(help="Datasets: import items from CSV/JSONL files, export them back.", no_args_is_help=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
FIRST_COLUMNS = ("input", "expected_output", "metadata")

UrlOption = Annotated[str | None, typer.Option("--url", help="Server URL (env SPYGLASS_URL, default "
                                               "http://127.0.0.1:7400).", show_default=False)]
FormatOption = Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the file "
                                                  "extension).", show_default=False)]


class BadFile(Exception):
    """A file that cannot be read as the format says; the message names the place."""


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def file_format(path: Path, given: str | None) -> str:
    if given:
        if given not in ("csv", "jsonl"):
            fail(f"unknown format {given!r}: use csv or jsonl")
        return given
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        fail(f"cannot tell the format of {path} from its extension: pass --format csv or --format jsonl")
    return found


# -- reading --------------------------------------------------------------------------


def _cell(column: str, text: str, where: str) -> Any:
    # Cells holding a JSON object or array are decoded; metadata must be JSON; the rest is text.
    stripped = text.strip()
    if column == "metadata" or stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            if column == "metadata":
                raise BadFile(f"{where}: the metadata cell is not valid JSON") from None
    return text


def read_csv(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise BadFile(f"{path}: no header row")
        for row in reader:
            where = f"{path} line {reader.line_num}"
            if None in row:
                raise BadFile(f"{where}: more cells than header columns")
            rows.append({k: _cell(k, v, where) for k, v in row.items() if k and v not in (None, "")})
    return rows


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BadFile(f"{path} line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise BadFile(f"{path} line {number}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def read_rows(path: Path, fmt: str) -> list[dict[str, Any]]:
    try:
        return read_csv(path) if fmt == "csv" else read_jsonl(path)
    except FileNotFoundError:
        fail(f"file not found: {path}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")
    except (BadFile, csv.Error) as exc:
        fail(f"bad {fmt} file: {exc}")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")


# -- writing --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_rows(path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        if fmt == "jsonl":
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        keys = {k for row in rows for k in row}
        columns = [c for c in FIRST_COLUMNS if c in keys] + sorted(keys.difference(FIRST_COLUMNS))
        writer = csv.DictWriter(fh, fieldnames=columns or list(FIRST_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _text(v) for k, v in row.items()})


# -- commands -------------------------------------------------------------------------


def _client(url: str | None) -> Client:
    from spyglass.sdk import Client

    try:
        return Client(url=url)
    except ValueError as exc:
        fail(str(exc))


def _api_fail(exc: Exception, client: Client) -> NoReturn:
    status = getattr(exc, "status", None)
    if status == 0:
        fail(f"cannot reach Spyglass at {client.config.url} (is `spyglass serve` running?)")
    if status == 404:
        fail(f"not found at {client.config.url}: {getattr(exc, 'message', exc)}")
    fail(str(exc))


def _progress() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


@app.command("import")
def import_items(
    name: Annotated[str, typer.Argument(help="Dataset name (created when missing).")],
    file: Annotated[Path, typer.Argument(help="A .csv or .jsonl file.")],
    url: UrlOption = None,
    format: FormatOption = None,
) -> None:
    """Add the rows of a CSV or JSON Lines file to a dataset (rows already there are skipped)."""
    from spyglass.sdk import SpyglassAPIError
    from spyglass.sdk.datasets import INSERT_BATCH, add_counts

    rows = read_rows(file, file_format(file, format))
    client = _client(url)
    total: dict[str, Any] = {"inserted": 0, "updated": 0, "skipped_duplicates": 0, "version": 0, "ids": []}
    try:
        dataset = client.get_or_create_dataset(name)
        total["version"] = dataset.version
        with _progress() as progress:
            task = progress.add_task(f"importing into {name}", total=len(rows))
            for batch in _batches(rows, INSERT_BATCH):
                add_counts(total, dataset.insert(batch, source="import"))
                progress.advance(task, len(batch))
    except SpyglassAPIError as exc:
        _api_fail(exc, client)
    finally:
        client.close()
    err.print(f"imported {len(rows)} rows into dataset {name!r}: {total['inserted']} new, {total['updated']} "
              f"updated, {total['skipped_duplicates']} duplicates skipped (version {total['version']})")


@app.command("export")
def export_items(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    file: Annotated[Path, typer.Argument(help="The .csv or .jsonl file to write.")],
    url: UrlOption = None,
    format: FormatOption = None,
    version: Annotated[int | None, typer.Option("--version", help="Dataset version (default: the current one).",
                                                show_default=False)] = None,
) -> None:
    """Write a dataset's items (their data: input, expected_output, metadata...) to a file."""
    from spyglass.sdk import SpyglassAPIError

    fmt = file_format(file, format)
    client = _client(url)
    rows: list[dict[str, Any]] = []
    try:
        dataset = client.get_dataset(name)
        total = dataset.item_count
        if version is not None:
            total = next((v.get("item_count") for v in dataset.versions() if v.get("version") == version), None)
        with _progress() as progress:
            task = progress.add_task(f"exporting {name}", total=total)
            for item in dataset.iter_items(version):
                rows.append(item.get("data") or {})
                progress.advance(task)
    except SpyglassAPIError as exc:
        _api_fail(exc, client)
    finally:
        client.close()
    try:
        write_rows(file, fmt, rows)
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}")
    shown = dataset.version if version is None else version
    err.print(f"exported {len(rows)} items of dataset {name!r} (version {shown}) to {file}")
