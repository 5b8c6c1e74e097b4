"""`make audit`: pip-audit over requirements.lock (the exact set `make install` puts on a
machine), against the vulnerability service AUDIT_SERVICE (pip-audit's `pypi`, the default,
or `osv`).

Exit 1 when a locked package has a known vulnerability (or pip-audit fails for another
reason). When the service cannot be reached, or answers for none of the packages (an index
mirror without PyPI's JSON API answers "not found" for every one), it says that nothing was
checked and exits 0: an audit that could not run is reported, not passed off as clean and
not turned into a failure of the build.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
UNREACHABLE = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "Timeout",
               "timed out", "Network is unreachable", "Temporary failure in name resolution")


def main() -> int:
    service = os.environ.get("AUDIT_SERVICE", "pypi")
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "audit.json"
        result = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--disable-pip",
             "--require-hashes", "-r", str(LOCK), "-s", service, "-f", "json",
             "-o", str(report)],
            capture_output=True, text=True, timeout=900,
        )
        data = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    if data is None:
        if any(marker in result.stderr for marker in UNREACHABLE):
            last = result.stderr.strip().splitlines()[-1][:300]
            print(f"audit: the vulnerability service ({service}) could not be reached; "
                  f"nothing was checked (not a failure).\n  {last}")
            return 0
        print(result.stdout + result.stderr, file=sys.stderr)
        print("audit: pip-audit failed (see above).", file=sys.stderr)
        return result.returncode or 1
    packages = data["dependencies"]
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {package['name']} {package['version']}: {vuln['id']} "
                  f"(fixed in {fixed})")
    if packages and len(skipped) == len(packages):
        print(f"audit: the vulnerability service ({service}) answered for none of the "
              f"{len(packages)} locked packages (first: {skipped[0]['skip_reason']}); "
              "nothing was checked (not a failure).")
        return 1 if vulnerable else 0
    if skipped:
        print(f"audit: {len(skipped)} of {len(packages)} packages could not be checked: "
              + ", ".join(p["name"] for p in skipped))
    checked = len(packages) - len(skipped)
    if vulnerable:
        print(f"audit: {len(vulnerable)} of {checked} checked packages have known "
              "vulnerabilities; update their pins in constraints.txt and run `make lock`.")
        return 1
    print(f"audit: no known vulnerabilities in the {checked} checked packages ({service}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
