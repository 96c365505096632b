"""No secrets in the repository: detect-secrets over every file git tracks or would add.

Its findings must all be in ``.secrets.baseline``, audited as not secret (AWS's sample values in the
recorded events, the dummy ``testing`` credentials that offline AWS tools need). A new finding fails
the test: remove the secret, or, for a false positive, add ``# pragma: allowlist secret`` on its line
or re-run ``detect-secrets scan --baseline .secrets.baseline`` and audit it (``detect-secrets audit``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import default_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
BASELINE = REPO_ROOT / ".secrets.baseline"
BINARY_SUFFIXES = (".onnx", ".nemo", ".wav", ".flac", ".mp3", ".ogg", ".png")


def repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [
        name
        for name in listed
        if name != BASELINE.name and not name.endswith(BINARY_SUFFIXES) and (REPO_ROOT / name).is_file()
    ]


def audited_false_positives() -> set[tuple[str, str, str]]:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    entries = [(name, e) for name, found in baseline["results"].items() for e in found]
    assert all(e["is_secret"] is False for _, e in entries), (
        "the baseline may hold audited false positives only"
    )
    return {(name, e["type"], e["hashed_secret"]) for name, e in entries}


def test_no_secrets_beyond_the_audited_baseline() -> None:
    files = repository_files()
    assert len(files) > 50
    with default_settings():
        found = SecretsCollection(root=str(REPO_ROOT))
        found.scan_files(*files, num_processors=1)
    allowed = audited_false_positives()
    new = [
        f"{name}:{secret.line_number}: {secret.type}"
        for name, secrets in found.data.items()
        for secret in secrets
        if (name, secret.type, secret.secret_hash) not in allowed
    ]
    assert not new, "possible secrets (see this module's docstring):\n" + "\n".join(new)


def test_the_scanner_finds_a_planted_key(tmp_path: Path) -> None:
    planted = tmp_path / "settings.py"
    key = "AKIAZ7QXWPLM4DRTUYHN"  # pragma: allowlist secret
    planted.write_text(f'AWS_ACCESS_KEY_ID = "{key}"\n', encoding="utf-8")
    with default_settings():
        found = SecretsCollection(root=str(tmp_path))
        found.scan_files(str(planted), num_processors=1)
    assert {secret.type for secrets in found.data.values() for secret in secrets} >= {"AWS Access Key"}
