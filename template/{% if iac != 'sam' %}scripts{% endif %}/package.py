"""Zip the function's files into a reproducible Lambda deployment package (`make package`).

Same files, same bytes: entries are sorted by name and every entry gets the same time
(1980-01-01, the earliest a zip can hold) and the same permissions (0644), so nothing of
the build machine or of the moment (file times, owner, umask, directory order) enters the
archive. Terraform's source_code_hash and the CDK asset hash are hashes of the zip: an
unchanged function is then not redeployed, which would cost a cold start each time.
Python's zipfile with fixed ZipInfo entries rather than `zip`, whose entries keep the
file times and which is not installed everywhere.

Beside the zip (dist/lambda.zip -> dist/lambda.json) it writes a manifest: the Lambda
runtime and architectures the package was built for, and the zip's SHA-256. The deploy
compares it with the runtime and architecture it is about to configure, and refuses a
package built for others (compiled dependencies such as pydantic_core would not import).

Usage: python scripts/package.py OUTPUT.zip --root DIR --runtime R --architecture A [FILE...]
(every file under DIR, or only the FILEs named, relative to DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import zipfile
from pathlib import Path

ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
# A regular file readable by everyone: Lambda runs the code as another user than its owner.
ENTRY_MODE = 0o100644
UNIX = 3


def package_files(root: Path, names: list[str]) -> list[str]:
    """The files to zip, as archive names (relative to `root`, with / separators), sorted."""
    if names:
        return sorted(Path(name).as_posix() for name in names)
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def write_zip(output: Path, root: Path, names: list[str]) -> None:
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ENTRY_TIME)
            info.external_attr = ENTRY_MODE << 16
            info.create_system = UNIX
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (root / name).read_bytes(), compresslevel=9)
    partial.replace(output)


def manifest_path(output: Path) -> Path:
    """dist/lambda.zip -> dist/lambda.json (infra/ finds it the same way)."""
    return output.with_suffix(".json")


def main() -> None:
    parser = argparse.ArgumentParser(description="Zip a reproducible Lambda package.")
    parser.add_argument("output", type=Path)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--runtime", required=True)
    parser.add_argument("--architecture", action="append", required=True, dest="architectures")
    parser.add_argument("files", nargs="*")
    args = parser.parse_intermixed_args()

    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    write_zip(output, args.root, package_files(args.root, args.files))
    manifest = {
        "runtime": args.runtime,
        "architectures": sorted(args.architectures),
        "sha256": hashlib.sha256(output.read_bytes()).hexdigest(),
    }
    manifest_path(output).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"Built {output} ({output.stat().st_size} bytes) for {args.runtime} on", end=" ")
    print(" or ".join(manifest["architectures"]))


if __name__ == "__main__":
    main()
