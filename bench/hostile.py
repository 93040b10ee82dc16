"""Hostile resume files: how long reading one takes before it is refused, and the memory.

Each file of ``tests/hostile_files.py`` (generated, never stored) at the size an attacker
used is submitted through ``intake.submit_application``, the call the careers form makes
(flood limits, then ``ml.resume_files.extract_text``), to a small demo company. Each runs in
a fresh Python process that first loads what the web app holds (Streamlit, the fit models,
MiniLM), so the process's peak memory (``VmHWM``) is the app's with that file, and the rows
stored before and after show that nothing was kept. Keys:
``hostile_refusal_max_s`` (target 3 s), ``hostile_peak_rss_mb`` and
``hostile_peak_rss_mb_warm_app`` (target 600 MB for both), with each file's figures under
``hostile.files``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from bench.common import demo_company_database, load_average
from core.config import PROJECT_ROOT

TARGET_SECONDS = 3.0
TARGET_RSS_MB = 600.0
FILES = {
    "pdf_200k_text_runs": "hostile_files.pdf_text_runs(200_000)",
    "pdf_runs_in_a_form": "hostile_files.pdf_text_in_a_form(200_000)",
    "pdf_250k_operators": "hostile_files.pdf_many_operators(250_000)",
    "pdf_flate_bomb_200mb": "hostile_files.pdf_flate_bomb(200 << 20)",
    "docx_bomb_1gb": "hostile_files.docx_bomb(1 << 30)",
    "docx_10m_paragraphs": "hostile_files.docx_many_paragraphs(10_000_000)",
    "docx_5000_parts": "hostile_files.docx_many_parts(5_000)",
}
_PROBE = """
import json, time
from datetime import UTC, datetime
import streamlit  # noqa: F401 - held by the web app, so counted in its memory
from sqlalchemy import text
from core.db import Database
from core.services import intake, model_registry
from ml.embeddings import Embedder
from tests import hostile_files

def high_water_mb():
    # VmHWM starts afresh with this program; ru_maxrss would carry the parent's over exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

db = Database({url!r})
def stored():
    with db.uow() as uow:
        return sum(uow.session.execute(text(f"select count(*) from {{t}}")).scalar()
                   for t in ("candidates", "candidate_documents", "consents"))
if {warm}:  # what the web app holds once it has scored an applicant: the models, MiniLM
    models = model_registry.load_models()
    Embedder().encode(["warm up"])
role = intake.list_open_roles(db.uow())[0]
data = {make}
rows_before, before = stored(), high_water_mb()
application = intake.Application(
    role_id=role.id, full_name="Mallory Upload", email="mallory{index}@example.com", resume=data,
    resume_filename="resume.pdf", consent=True, answers={{}}, expected_compensation=None)
started = time.perf_counter()
try:
    intake.submit_application(db.uow(), application, client="192.0.2.{index}",
                              now=datetime.now(UTC))
    outcome = "accepted"
except intake.ApplicationError as exc:
    outcome = exc.fields.get("resume") or json.dumps(exc.fields)
seconds = time.perf_counter() - started
print(json.dumps({{"bytes": len(data), "seconds": seconds, "peak_rss_mb": high_water_mb(),
                  "rss_before_mb": before, "outcome": outcome,
                  "rows_stored": stored() - rows_before}}))
"""


def run() -> dict[str, Any]:
    load_before = load_average()
    url = demo_company_database("hostile", candidates=20, seed=17)
    files = {}
    # Each file from its own address and email, so no flood limit answers in its place;
    # once in a freshly started app and once in one that has scored applicants.
    probes = [(name, make, warm) for warm in (False, True) for name, make in FILES.items()]
    for index, (name, make, warm) in enumerate(probes, start=1):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(make=make, url=url, index=index, warm=warm)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        state = "warm_app" if warm else "fresh_app"
        files.setdefault(name, {"bytes": row["bytes"]})[state] = {
            "seconds": round(row["seconds"], 3),
            "peak_rss_mb": round(row["peak_rss_mb"], 1),
            "rss_before_mb": round(row["rss_before_mb"], 1),
            "refused": row["outcome"] != "accepted",
            "rows_stored": row["rows_stored"],
            "message": row["outcome"],
        }
    runs = [run for f in files.values() for run in (f["fresh_app"], f["warm_app"])]
    worst_s = max(r["seconds"] for r in runs)
    worst_mb = max(f["fresh_app"]["peak_rss_mb"] for f in files.values())
    worst_warm_mb = max(f["warm_app"]["peak_rss_mb"] for f in files.values())
    worst_increase = max(r["peak_rss_mb"] - r["rss_before_mb"] for r in runs)
    return {
        "hostile_refusal_max_s": worst_s,
        "hostile_peak_rss_mb": worst_mb,
        "hostile_peak_rss_mb_warm_app": worst_warm_mb,
        "hostile_max_increase_mb": round(worst_increase, 1),
        "hostile": {
            "what": "intake.submit_application (the careers form's call) with each hostile "
            "file, in a process holding what a freshly started web app holds (fresh_app) and "
            "what it holds once it has scored applicants (warm_app: the fit models and "
            "MiniLM); peak_rss_mb is that whole process's high-water mark",
            "files": files,
            "all_refused": all(r["refused"] for r in runs),
            "rows_stored": sum(r["rows_stored"] for r in runs),
            "targets": {"refusal_s": TARGET_SECONDS, "peak_rss_mb": TARGET_RSS_MB},
            "meets_targets": {
                "refusal_s": worst_s <= TARGET_SECONDS,
                # The app's memory, however much it held before the file came.
                "peak_rss_mb": max(worst_mb, worst_warm_mb) <= TARGET_RSS_MB,
            },
            "load_average_1m": {"before": load_before, "after": load_average()},
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }


def summary(results: dict[str, Any]) -> str:
    lines = []
    for name, f in results["hostile"]["files"].items():
        for state in ("fresh_app", "warm_app"):
            r = f[state]
            lines.append(
                f"{name} ({state}): {f['bytes']:,} bytes, {r['seconds']:.2f} s, "
                f"{r['peak_rss_mb']:.0f} MB (from {r['rss_before_mb']:.0f}), "
                f"{'refused' if r['refused'] else 'ACCEPTED'}, {r['rows_stored']} rows stored"
            )
    met = results["hostile"]["meets_targets"]
    lines.append(
        f"worst {results['hostile_refusal_max_s']:.2f} s (target {TARGET_SECONDS} s: "
        f"{'PASS' if met['refusal_s'] else 'FAIL'}), peak {results['hostile_peak_rss_mb']:.0f} MB "
        f"freshly started and {results['hostile_peak_rss_mb_warm_app']:.0f} MB warm (target "
        f"{TARGET_RSS_MB:.0f} MB for both: {'PASS' if met['peak_rss_mb'] else 'FAIL'}), a file "
        f"adds at most {results['hostile_max_increase_mb']:.0f} MB"
    )
    return "\n".join(lines)
