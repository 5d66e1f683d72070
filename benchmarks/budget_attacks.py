"""Large but valid inputs against the dashboard's budgets (#18): what each costs the app process.

``python -m benchmarks.budget_attacks`` (or ``python -m reliability --only budgets``, which writes
the table into RELIABILITY.md) tries each input the way the app handles it — a candidate-site
layer through :func:`ui.access.data.candidate_layer` (read in the upload sandbox), a siting run at
the caps through :func:`ui.access.data.sites`, a what-if beyond and at its caps through
:func:`ui.capacity.data.scenario`, a zip bomb through the upload checks, a local file
through the briefing PDF's URL fetcher, an OIDC account with an unverified e-mail — and measures,
while it runs, the app process's memory (resident set, sampled every 5 ms) and the latency of a
health endpoint served by another thread of the same process (as Streamlit's ``/_stcore/health``
is served by its event loop beside the script threads): work that held the GIL would delay it.
"""

from __future__ import annotations

import http.server
import json
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 — the handler's protocol
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(work: Callable[[], object]) -> dict:
    """Run ``work`` in a thread; the app's memory and the health endpoint's latency meanwhile."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    done, outcome = threading.Event(), {}
    base, peak, latencies = _rss_mb(), [0.0], []

    def run() -> None:
        started = time.perf_counter()
        try:
            outcome["result"] = work()
        except Exception as exc:  # noqa: BLE001 — the refusal is the outcome
            outcome["error"] = exc
        outcome["seconds"] = time.perf_counter() - started
        done.set()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.005)

    threads = [threading.Thread(target=run), threading.Thread(target=sample, daemon=True)]
    for t in threads:
        t.start()
    while not done.is_set():
        asked = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as answer:
            answer.read()
        latencies.append(time.perf_counter() - asked)
        time.sleep(0.02)
    threads[0].join()
    server.shutdown()
    error = outcome.get("error")
    return {
        "refused": getattr(error, "code", None) or (type(error).__name__ if error else None),
        "seconds": round(outcome["seconds"], 2),
        "rss_rise_mb": round(max(peak[0], _rss_mb()) - base),
        "health_max_s": round(max(latencies, default=0.0), 3),
        "health_checks": len(latencies),
    }


def _zip_bomb(folder: Path) -> Path:
    bomb = folder / "areas.zip"
    block = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for i in range(900):
            archive.writestr(f"part-{i:03d}.txt", block)
    return bomb


def run() -> dict:
    """Every attack: what was tried, whether it held, and its costs (see :func:`measure`)."""
    sys.path.insert(0, str(ROOT))
    from analytics.scenarios import Change
    from geodata.sources.workspaces import demo_workspace_path
    from geodata.uploads.limits import check_archive, limits_from_env
    from geodata.users.accounts import User, Users
    from reports.pdf import _local_only
    from tests.hardening.test_budgets import _points_layer, _polygons_layer
    from ui.access import data as access_data
    from ui.auth import match_oidc_claims
    from ui.capacity import budget
    from ui.capacity import data as capacity_data

    workspace = str(demo_workspace_path())
    folder = Path(tempfile.mkdtemp(prefix="ca-budgets-"))
    parcels = _polygons_layer(1_500, 800)
    many = _points_layer(access_data.CANDIDATE_MAX_SITES + 1)
    at_cap = _points_layer(access_data.CANDIDATE_MAX_SITES)
    bomb = _zip_bomb(folder)
    secret = folder / "users.toml"
    secret.write_text("password_hash = 'x'\n")
    users = Users([User("ana", "Ana", "admin", None, "ana@example.org", None)])

    def siting(layer: bytes) -> object:
        return access_data.sites.__wrapped__(
            workspace,
            1,
            False,
            None,
            "care",
            10,
            50.0,
            "population",
            "upload",
            ("c.geojson", layer),
        )

    def what_if(n: int) -> object:
        """A what-if of ``n`` new hospitals of 50 beds on the demo region (as a hostile client
        can add them, one press at a time), evaluated as the Capacity page does."""
        settings = capacity_data.settings_for(
            "hospital",
            "beds",
            near_km=5,
            referral_km=10,
            catchment_km=10,
            decay=True,
            covered_at=0.5,
            overload_at=1.0,
        )
        changes = tuple(
            Change(
                "new_site",
                f"X-{i}",
                facility_type="hospital",
                supply="beds",
                value=50.0,
                lon=51.2 + (i % 40) * 0.01,
                lat=35.6 + (i // 40) * 0.01,
            )
            for i in range(n)
        )
        return capacity_data.scenario.__wrapped__(workspace, 1, settings, changes)

    def oidc() -> None:
        if match_oidc_claims(users, {"email": "ana@example.org", "email_verified": False}):
            raise AssertionError("signed in")
        raise PermissionError("unverified e-mail")

    attacks = [
        (
            f"candidate layer of {len(parcels) / 1e6:.1f} MB (1,500 parcels, 1.2 million "
            "vertices) by a planner",
            "refused in the sandbox",
            lambda: access_data.candidate_layer.__wrapped__("parcels.geojson", parcels),
        ),
        (
            f"candidate layer of {access_data.CANDIDATE_MAX_SITES + 1:,} points",
            "refused in the sandbox",
            lambda: access_data.candidate_layer.__wrapped__("lots.geojson", many),
        ),
        (
            f"siting with {access_data.CANDIDATE_MAX_SITES:,} uploaded candidates, 10 sites, "
            "50 km (the caps)",
            "runs within the caps",
            lambda: siting(at_cap),
        ),
        (
            f"what-if of {budget.WHATIF_MAX_CHANGES + 1:,} added hospitals",
            "refused before it is measured",
            lambda: what_if(budget.WHATIF_MAX_CHANGES + 1),
        ),
        (
            f"what-if of {budget.WHATIF_MAX_CHANGES:,} added hospitals (the cap)",
            "runs within the caps",
            lambda: what_if(budget.WHATIF_MAX_CHANGES),
        ),
        (
            f"zip of {bomb.stat().st_size / 1e6:.1f} MB declaring 900 MB (900 entries of 1 MB)",
            "refused before inflating",
            lambda: check_archive(bomb, "areas.zip", limits_from_env()),
        ),
        (
            "briefing PDF asking for a local file (file:// users file) and a URL",
            "refused by the URL fetcher",
            lambda: [_local_only().fetch(u) for u in (secret.as_uri(), "http://127.0.0.1:9/")],
        ),
        ("OIDC sign-in with an unverified e-mail claim", "refused", oidc),
    ]
    rows = []
    for what, expected, work in attacks:
        figures = measure(work)
        held = (
            figures["refused"] is None if expected.startswith("runs") else bool(figures["refused"])
        )
        rows.append({"attack": what, "expected": expected, "held": held, **figures})
    return {"rows": rows}


def section(results: dict) -> list[str]:
    """RELIABILITY.md's lines for :func:`run`'s results."""
    lines = [
        "## Large but valid inputs (budgets)",
        "",
        "Each input was handled the way the dashboard handles it (`benchmarks/budget_attacks.py`):"
        " memory is the app process's resident set rise at its peak (sampled every 5 ms); health "
        "latency is the slowest answer of a health endpoint served by another thread of the same "
        "process, asked every 20 ms while the input was handled (work holding the GIL would "
        "delay it, as it would Streamlit's `/_stcore/health`; — : done before the first check). "
        "The siting row's memory includes loading the demo workspace's tables (cold caches).",
        "",
        "| attack | expected | held | refusal | seconds | app memory rise | health latency "
        "(max, checks) |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['attack']} | {r['expected']} | {'yes' if r['held'] else 'NO'} | "
            f"{r['refused'] or '—'} | {r['seconds']} | {r['rss_rise_mb']} MB | "
            + (f"{r['health_max_s']} s ({r['health_checks']}) |" if r["health_checks"] else "— |")
        )
    lines.append("")
    return lines


def main() -> int:
    results = run()
    print(json.dumps(results, indent=2))
    print("\n".join(section(results)))
    return 0 if all(r["held"] for r in results["rows"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
