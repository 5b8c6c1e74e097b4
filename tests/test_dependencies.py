"""The locked dependency set and `make audit` (scripts/audit.py)."""

import importlib.util
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[._]", "-", name.lower())


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s\\;]+)", line)
        if match:
            pins[_name(match.group(1))] = match.group(2)
    return pins


def test_the_lock_has_every_dependency_at_its_constraints_pin_with_hashes():
    """`make install` installs requirements.lock only: a dependency or pin added to
    pyproject.toml or constraints.txt without `make lock` would be missing on a fresh
    machine."""
    lock_text = (ROOT / "requirements.lock").read_text()
    lock = _pins(lock_text)
    constraints = _pins((ROOT / "constraints.txt").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    missing = sorted(_name(r) for r in declared if _name(r) not in lock)
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"
    differing = {name: (version, lock.get(name)) for name, version in constraints.items()
                 if lock.get(name) != version}
    assert not differing, f"constraints.txt pin vs lock (run `make lock`): {differing}"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock_text.split("\n\n", 1)[-1])
    unhashed = [b.split()[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
    assert not unhashed


def _audit_module():
    spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_pip_audit(monkeypatch, module, *, report=None, stderr="", returncode=0):
    def run(args, **kwargs):
        if report is not None:
            Path(args[args.index("-o") + 1]).write_text(json.dumps(report))
        return subprocess.CompletedProcess(args, returncode, "", stderr)

    monkeypatch.setattr(module.subprocess, "run", run)


@pytest.mark.parametrize("report, stderr, returncode, expected, says", [
    ({"dependencies": [{"name": "django", "version": "5.2.1", "vulns": [
        {"id": "PYSEC-1", "fix_versions": ["5.2.2"]}]}, {"name": "six", "version": "1.17.0",
                                                          "vulns": []}]},
     "", 1, 1, "VULNERABLE django 5.2.1: PYSEC-1 (fixed in 5.2.2)"),
    ({"dependencies": [{"name": "six", "version": "1.17.0", "vulns": []}]},
     "", 0, 0, "no known vulnerabilities in the 1 checked packages"),
    (None, "requests.exceptions.ConnectionError: Max retries exceeded", 1, 0,
     "could not be reached; nothing was checked (not a failure)"),
    ({"dependencies": [{"name": "six", "skip_reason": "Dependency not found on PyPI"}]},
     "", 0, 0, "answered for none of the 1 locked packages"),
    (None, "ERROR: requirements.lock: bad line", 2, 2, "pip-audit failed"),
])
def test_make_audit_fails_on_a_vulnerability_and_only_reports_an_unreachable_service(
    monkeypatch, capsys, report, stderr, returncode, expected, says
):
    module = _audit_module()
    _fake_pip_audit(monkeypatch, module, report=report, stderr=stderr, returncode=returncode)
    assert module.main() == expected
    output = capsys.readouterr()
    assert says in output.out + output.err
