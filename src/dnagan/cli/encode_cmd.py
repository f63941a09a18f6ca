"""``dnagan encode``: DNA file or sequences -> (n, dim) float32 feature matrix (.npy).

Records are streamed and encoded in chunks, and rows are written straight into a temporary ``.npy``
whose header is completed at the end, so memory stays bounded for any input size. The matrix and a
``<name>.ids.txt`` (one record id per row, never sequences) appear atomically, or not at all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Annotated

import numpy as np
import typer

from dnagan.atomic import atomic_path
from dnagan.cli.app import app
from dnagan.cli.dna_options import (
    AmbiguityOption,
    EncoderOptionsOption,
    GroupOption,
    SequencesOption,
    StrictOption,
    dna_options,
    encoder_options,
)
from dnagan.dna import Record, read_records, records_from_strings
from dnagan.encoders import Encoder, encode_checked
from dnagan.errors import ConfigError, DnaganError, InputError, PluginError
from dnagan.plugins import create_encoder, get_plugins, plugin_of

_HEADER_BYTES = 128  # fixed-size .npy v1.0 header, rewritten once the row count is known


def npy_header(rows: int, columns: int) -> bytes:
    """A float32 C-order ``.npy`` v1.0 header of exactly ``_HEADER_BYTES`` bytes."""
    text = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}"
    body = text.ljust(_HEADER_BYTES - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin-1")


def ids_path(out: Path) -> Path:
    """Where the record ids of ``out`` go: ``FEATURES.npy`` -> ``FEATURES.ids.txt``."""
    stem = out.name[: -len(".npy")] if out.name.endswith(".npy") else out.name
    return out.with_name(f"{stem}.ids.txt")


@contextlib.contextmanager
def paired_output(out: Path) -> Iterator[tuple[Path, Path]]:
    """Temporary paths for the matrix ``out`` and its ids file; both land only on success.

    Both temporaries are written first; then the matrix replaces ``out`` and the ids file lands
    last. When the ids file cannot land, the new matrix is removed again, so a failure never
    leaves one without the other (nor a temporary file).
    """
    ids_tmp: Path | None = None
    try:
        with atomic_path(out) as matrix_tmp:  # first: a bad folder is reported for the matrix
            fd, name = tempfile.mkstemp(prefix=f".{ids_path(out).name}.", suffix=".tmp",
                                        dir=out.parent)
            os.close(fd)
            ids_tmp = Path(name)
            yield matrix_tmp, ids_tmp
        try:
            with atomic_path(ids_path(out)) as final_tmp:
                os.replace(ids_tmp, final_tmp)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    finally:
        if ids_tmp is not None:
            ids_tmp.unlink(missing_ok=True)


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _locate(error: InputError, encoder: Encoder, chunk: list[Record], offset: int) -> InputError:
    """Re-encode a failed chunk one sample at a time to name the record that fails."""
    for index, record in enumerate(chunk):
        try:
            encoder.encode([record.sequence])
        except InputError as single:
            detail = str(single)
            hint = " (join reads with --group N)" if "shorter than" in detail else ""
            name = f"record {record.id!r} (sample {offset + index + 1})"
            if detail.startswith("sample 1 "):
                return InputError(f"{name} {detail.removeprefix('sample 1 ')}{hint}")
            return InputError(f"{name}: {detail}{hint}")
        except Exception:  # noqa: BLE001 - the original error is reported instead
            break
    return error


def _write_rows(
    records: Iterable[Record],
    encoder: Encoder,
    plugin: str,
    matrix: IO[bytes],
    ids: IO[str],
    chunk_size: int,
) -> int:
    written = 0
    for chunk in _chunks(records, chunk_size):
        try:
            features = encode_checked(encoder, [r.sequence for r in chunk], plugin)
        except InputError as error:
            raise _locate(error, encoder, chunk, written) from None
        matrix.write(np.ascontiguousarray(features).tobytes())
        ids.writelines(f"{r.id}\n" for r in chunk)
        written += len(chunk)
    return written


@app.command("encode")
def encode_command(
    source: Annotated[
        Path | None,
        typer.Argument(
            metavar="INPUT", help="FASTA or FASTQ file, plain or gzip.", show_default=False
        ),
    ] = None,
    encoder_name: Annotated[
        str, typer.Option("--encoder", "-e", help="Encoder name (see `dnagan plugins`).")
    ] = "average",
    out: Annotated[
        Path | None, typer.Option("--out", help="Output .npy file (n, dim) float32.")
    ] = None,
    option: EncoderOptionsOption = None,
    sequence: SequencesOption = None,
    ambiguity: AmbiguityOption = "error",
    strict: StrictOption = False,
    group: GroupOption = 1,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Samples encoded per batch.")
    ] = 4096,
) -> None:
    """Encode DNA into a feature matrix with any registered encoder.

    Examples:

        dnagan encode --encoder kmer reads.fastq.gz --out kmer.npy -o k=5

        dnagan encode --encoder average reads_72bp.fastq.gz --group 2 --ambiguity skip --out avg.npy

        dnagan encode --encoder sgt --sequence ACGTTGCA --sequence GGCATTAC --out sgt.npy
    """
    if out is None:
        raise ConfigError("--out FEATURES.npy is required")
    if source is not None and sequence:
        raise ConfigError("give either an INPUT file or --sequence, not both")
    if source is None and not sequence:
        raise ConfigError("no DNA given: pass an INPUT file or --sequence SEQ")
    options = dna_options(ambiguity, strict, group)
    encoder = create_encoder(encoder_name, encoder_options(option))
    plugin = plugin_of(get_plugins().encoders, encoder_name)
    label = str(source) if source is not None else "--sequence"
    records: Iterable[Record]
    if source is not None:
        records = read_records(source, options)
    else:
        records = records_from_strings(sequence or [], options)
    if type(encoder).fit is not Encoder.fit:
        records = list(records)
        try:
            encoder.fit([r.sequence for r in records])
        except DnaganError:
            raise
        except Exception as error:
            raise PluginError(
                f"encoder {encoder_name!r} (plugin {plugin!r}) failed to fit: "
                f"{type(error).__name__}: {error}"
            ) from error
    started = time.perf_counter()
    with paired_output(out) as (matrix_tmp, ids_tmp):
        with open(matrix_tmp, "wb") as matrix, open(ids_tmp, "w", encoding="utf-8") as ids:
            matrix.write(npy_header(0, encoder.dim))
            try:
                count = _write_rows(records, encoder, plugin, matrix, ids, chunk_size)
            except InputError as error:
                message = str(error)
                if not message.startswith(label):
                    raise InputError(f"{label}: {message}") from None
                raise
            if count == 0:
                raise InputError(f"{label}: no samples to encode (after validation and grouping)")
            matrix.seek(0)
            matrix.write(npy_header(count, encoder.dim))
    seconds = time.perf_counter() - started
    typer.echo(
        f"encoded {count} samples x {encoder.dim} features with {encoder_name!r} "
        f"in {seconds:.2f} s -> {out} (record ids: {ids_path(out).name})"
    )
