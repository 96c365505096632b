"""aarch64 Python on an x86_64 host, without Docker and without root: qemu user-mode and a Debian sysroot.

    python -m infra.arm64_emulation prepare   # -> artifacts/arm64/{qemu-aarch64,sysroot,site-packages}
    python -m infra.arm64_emulation run -- -c "import platform; print(platform.machine())"
    python -m infra.arm64_emulation rootfs OUT.tar   # the Lambda base stand-in's arm64 root filesystem

* qemu: Debian trixie's ``qemu-user`` (10.0), whose ``qemu-aarch64`` is statically linked; only that one
  binary is kept. Bookworm's qemu 7.2 crashes inside onnxruntime's aarch64 wheel.
* sysroot: trixie's arm64 ``python3.13`` and the C libraries it and the wheels load, unpacked with
  ``dpkg-deb`` (no debootstrap, nothing installed on the host). Lambda's arm64 Python 3.13 runs on
  Amazon Linux 2023 (glibc 2.34); the wheels are the image's, limited to glibc 2.34 (below).
* site-packages: the runtime dependencies at the image's pins for aarch64, by ``infra/lambda-pip.sh``
  (the same command that stages the Lambda image; boto3 included, as the base image provides it).

* rootfs: the sysroot plus ``dash`` as ``/bin/sh``, ``python3``, merged ``/usr`` and ``/tmp``, as a tarball
  for ``docker import`` (``infra/lambda-base-image.sh`` on an x86_64 host). Nothing in it was configured
  by maintainer scripts, so nothing had to run under emulation to make it: debootstrap's second stage
  under qemu takes over 40 minutes on these 2 cores.

Every package is checked against the SHA256 of the archive's ``Packages`` index before it is unpacked.
The result is reused while the package list and the pins stay the same (``prepared.json``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.image_deps import pinned_requirements

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "trixie"
PYTHON_VERSION = "3.13"
QEMU_PACKAGE = "qemu-user"  # amd64: the emulator itself
QEMU_MEMBER = "./usr/bin/qemu-aarch64"
SYSROOT_PACKAGES = (  # arm64: the interpreter, its standard library and what the wheels link against
    "libc6",
    "libgcc-s1",
    "libstdc++6",
    "libgomp1",
    "zlib1g",
    "libexpat1",
    "libffi8",
    "libssl3t64",
    "libbz2-1.0",
    "liblzma5",
    "libzstd1",
    "libpython3.13-minimal",
    "libpython3.13-stdlib",
    "python3.13-minimal",
)
ROOTFS_PACKAGES = ("dash",)  # /bin/sh: the image's entrypoint scripts and RUN steps
TIMEOUT_S = 300


@dataclass(frozen=True)
class Emulation:
    """A prepared directory: the emulator, the aarch64 root and the runtime's aarch64 packages."""

    root: Path

    @property
    def qemu(self) -> Path:
        return self.root / "qemu-aarch64"

    @property
    def sysroot(self) -> Path:
        return self.root / "sysroot"

    @property
    def site_packages(self) -> Path:
        return self.root / "site-packages"

    def python(self) -> list[str]:
        """The command that starts aarch64 Python 3.13 under qemu."""
        interpreter = self.sysroot / "usr" / "bin" / f"python{PYTHON_VERSION}"
        return [str(self.qemu), "-L", str(self.sysroot), str(interpreter)]

    def env(self, paths: Sequence[Path] = ()) -> dict[str, str]:
        """Environment for that interpreter: the aarch64 packages first, then ``paths``."""
        python_path = os.pathsep.join(str(p) for p in (self.site_packages, *paths))
        return {**os.environ, "PYTHONPATH": python_path, "PYTHONNOUSERSITE": "1"}


@dataclass(frozen=True)
class Package:
    name: str
    filename: str
    sha256: str


def index(arch: str) -> dict[str, Package]:
    """The suite's main ``Packages`` index for ``arch``: name -> file and checksum."""
    url = f"{MIRROR}/dists/{SUITE}/main/binary-{arch}/Packages.gz"
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        text = gzip.decompress(response.read()).decode("utf-8")
    packages = {}
    for stanza in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and line[0] != " ")
        if {"Package", "Filename", "SHA256"} <= fields.keys():
            packages[fields["Package"]] = Package(fields["Package"], fields["Filename"], fields["SHA256"])
    return packages


def download(package: Package, cache: Path) -> Path:
    """The package's .deb in ``cache``, fetched unless already there, checked against the index."""
    path = cache / Path(package.filename).name
    if not path.is_file() or _sha256(path) != package.sha256:
        cache.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(f"{MIRROR}/{package.filename}", timeout=TIMEOUT_S) as response:
            path.write_bytes(response.read())
    if _sha256(path) != package.sha256:
        path.unlink()
        raise RuntimeError(f"{package.filename}: SHA256 differs from the {SUITE} index")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpack(deb: Path, target: Path, member: str | None = None) -> None:
    """Unpack a .deb's files (or one ``member``) into ``target``, as dpkg would, without installing it."""
    if member is None:
        subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
        return
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as dpkg:
        with tarfile.open(fileobj=dpkg.stdout, mode="r|") as archive:  # a stream: read once, in order
            for entry in archive:
                if entry.name == member:
                    archive.extract(entry, target, filter="data")
                    break
        dpkg.kill()  # the rest of the archive is not wanted
    if not (target / member).is_file():
        raise RuntimeError(f"{deb.name} has no {member}")


def prepare(root: Path) -> Emulation:
    """Fetch and unpack what is missing; a second call with the same packages and pins does nothing."""
    emulation = Emulation(root)
    requirements = pinned_requirements(REPO_ROOT / "pyproject.toml")  # the image's pins
    wanted = {"suite": SUITE, "sysroot": list(SYSROOT_PACKAGES), "requirements": requirements}
    stamp = root / "prepared.json"
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return emulation
    stamp.unlink(missing_ok=True)
    cache = root / "debs"
    qemu_deb = download(index("amd64")[QEMU_PACKAGE], cache)
    with tempfile.TemporaryDirectory(dir=root) as scratch:
        unpack(qemu_deb, Path(scratch), QEMU_MEMBER)
        shutil.move(Path(scratch) / QEMU_MEMBER, emulation.qemu)
    qemu_deb.unlink()  # 70 MB, of which one 10 MB binary is kept
    arm64 = index("arm64")
    shutil.rmtree(emulation.sysroot, ignore_errors=True)
    for name in SYSROOT_PACKAGES:
        unpack(download(arm64[name], cache), emulation.sysroot)
    for link in ("lib", "bin"):  # the merged /usr that base-files would set up
        (emulation.sysroot / link).symlink_to(f"usr/{link}")
    subprocess.run(
        [
            str(REPO_ROOT / "infra" / "lambda-pip.sh"),
            PYTHON_VERSION,
            str(emulation.site_packages),
            *requirements,
        ],
        check=True,
        env={**os.environ, "LAMBDA_ARCH": "arm64"},
    )
    stamp.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    return emulation


def rootfs(emulation: Emulation, out: Path) -> Path:
    """Write ``out``: a tarball of the minimal arm64 root the stand-in Lambda base image is made from."""
    with tempfile.TemporaryDirectory(dir=emulation.root) as scratch:
        root = Path(scratch) / "root"
        shutil.copytree(emulation.sysroot, root, symlinks=True)
        arm64 = index("arm64")
        for name in ROOTFS_PACKAGES:
            unpack(download(arm64[name], emulation.root / "debs"), root)
        links = {"usr/bin/sh": "dash", "usr/bin/python3": f"python{PYTHON_VERSION}"}
        for link, target in links.items():
            if not (root / link).exists():
                (root / link).symlink_to(target)
        for directory in ("tmp", "var/task", "var/runtime", "opt", "etc"):
            (root / directory).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)
        (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n", encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(root, arcname=".", filter=_owned_by_root)
        partial.replace(out)
    return out


def _owned_by_root(member: tarfile.TarInfo) -> tarfile.TarInfo:
    member.uid = member.gid = 0
    member.uname = member.gname = "root"
    return member


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["prepare", "run", "rootfs"])
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / "artifacts" / "arm64")
    parser.add_argument(
        "args", nargs="*", help="run: arguments for aarch64 python (after --); rootfs: the tarball to write"
    )
    args = parser.parse_args(argv)
    emulation = prepare(args.dir)
    if args.command == "prepare":
        sys.stdout.write(f"aarch64 Python {PYTHON_VERSION} under {emulation.qemu}\n")
        return 0
    if args.command == "rootfs":
        if len(args.args) != 1:
            parser.error("rootfs takes one argument: the tarball to write")
        sys.stdout.write(f"{rootfs(emulation, Path(args.args[0]))}\n")
        return 0
    extra = args.args  # argparse has dropped the "--" that keeps them from being read as options
    paths = [REPO_ROOT / "layers", REPO_ROOT / "functions", REPO_ROOT]
    return subprocess.run([*emulation.python(), *extra], env=emulation.env(paths), check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
