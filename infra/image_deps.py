"""The image's third-party packages, for infra/stage-image.sh:

python infra/image_deps.py requirements pyproject.toml   # the runtime requirements, pinned as installed
python infra/image_deps.py prune TARGET NAME...          # remove distributions from a --target tree
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tomllib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?")


def pinned_requirements(pyproject: Path) -> list[str]:
    """``[project] dependencies``, each pinned to the version installed in this interpreter where present."""
    with pyproject.open("rb") as fh:
        dependencies: list[str] = tomllib.load(fh)["project"]["dependencies"]
    pinned = []
    for requirement in dependencies:
        match = REQUIREMENT_NAME.match(requirement)
        if not match:
            raise ValueError(f"not a requirement: {requirement!r}")
        name, extras = match.group(1), match.group(2) or ""
        try:
            pinned.append(f"{name}{extras}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pinned.append(requirement)
    return pinned


def prune(target: Path, names: Sequence[str]) -> list[str]:
    """Remove the named distributions from a ``pip install --target`` tree, file by file as their RECORD
    lists them, then the folders left empty; returns the distributions removed."""
    unwanted = {_normalise(name) for name in names}
    removed = []
    for dist_info in sorted(target.glob("*.dist-info")):
        if _normalise(dist_info.name.split("-")[0]) not in unwanted:
            continue
        for line in (dist_info / "RECORD").read_text(encoding="utf-8").splitlines():
            path = target / line.split(",")[0]
            if path.is_file() and dist_info not in path.parents:
                path.unlink()
        shutil.rmtree(dist_info)
        removed.append(dist_info.name)
    for directory in sorted((d for d in target.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
        if not any(directory.iterdir()):
            directory.rmdir()
    return removed


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="image_deps", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("requirements").add_argument("pyproject", type=Path)
    prune_command = commands.add_parser("prune")
    prune_command.add_argument("target", type=Path)
    prune_command.add_argument("names", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "requirements":
        sys.stdout.write("".join(f"{line}\n" for line in pinned_requirements(args.pyproject)))
    else:
        prune(args.target, args.names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
