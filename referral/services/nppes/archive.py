"""The data CSV inside a CMS zip, checked before it is unpacked, and read with a damaged zip's errors made plain."""
from __future__ import annotations

import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import ValidationFailed

# NPPES's CSV packs about 10 to 1 (its many empty fields repeat); a member that claims to unpack to a hundred
# times its packed size is a zip bomb, and is refused before a byte of it is unpacked.
MAX_UNPACKING_RATIO = 100
# The 2025 data file unpacks to about 11 GB: a member that claims more than 64 GiB is refused likewise.
MAX_UNPACKED_BYTES = 64 << 30
# Deflate is what CMS uses, and Python unpacks it a bounded piece at a time; the other methods unpack
# whatever one read of packed bytes holds at once.
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError)
_ENCRYPTED = 0x1  # bit 0 of a zip member's general-purpose flags


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed({"path": message})


def data_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The bulk data CSV inside a CMS zip (not the _fileheader, other-name, location or endpoint files)."""
    csvs = [info for info in archive.infolist() if info.filename.lower().endswith(".csv")]
    data = [info for info in csvs if Path(info.filename).name.lower().startswith("npidata_pfile")
            and "fileheader" not in info.filename.lower()]
    candidates = data or (csvs if len(csvs) == 1 else [])
    if not candidates:
        raise _invalid("The zip file holds no npidata_pfile_*.csv.")
    return max(candidates, key=lambda info: info.file_size)


def check_member(info: zipfile.ZipInfo) -> None:
    """Refuse a member that is encrypted, packed in a way not read here, or would unpack too far (by its stated sizes,
    which Python's zip reader holds it to)."""
    name, packed, unpacked = Path(info.filename).name, info.compress_size, info.file_size
    if info.flag_bits & _ENCRYPTED:
        raise _invalid(f"The zip file protects {name} with a password: use the file as CMS publishes it.")
    if info.compress_type not in READABLE_METHODS:
        raise _invalid(f"The zip file packs {name} in a way the import does not unpack (method {info.compress_type}): "
                       "only deflate, as CMS uses, or no compression.")
    if unpacked > MAX_UNPACKED_BYTES or unpacked > max(packed, 1) * MAX_UNPACKING_RATIO:
        raise _invalid(f"The zip file is refused, unopened, as a zip bomb: {name} would unpack from {packed:,} bytes "
                       f"to {unpacked:,} ({unpacked / max(packed, 1):,.0f} times as large). The import unpacks at most "
                       f"{MAX_UNPACKING_RATIO} times a member's packed size and at most {MAX_UNPACKED_BYTES:,} bytes; "
                       "an NPPES file unpacks to about 10 times its packed size.")


def guarded(read: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """`read`, with the errors of a damaged zip raised as ValidationFailed."""
    def read_member(size: int) -> bytes:
        try:
            return read(size)
        except _DAMAGE as error:
            raise _invalid(f"The zip file is damaged: {error}.") from None
    return read_member


@contextmanager
def open_member(path: Path) -> Iterator[tuple[zipfile.ZipInfo, Callable[[int], bytes]]]:
    """The data member of the zip at `path`, checked, and a function reading it unpacked."""
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGE as error:
        raise _invalid(f"The zip file is damaged: {error}.") from None
    with archive:
        member = data_member(archive)
        check_member(member)
        try:
            stream = archive.open(member)
        except _DAMAGE as error:
            raise _invalid(f"The zip file is damaged: {error}.") from None
        with stream:
            yield member, guarded(stream.read)
