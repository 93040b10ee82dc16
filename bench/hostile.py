"""Hostile resume files: how long reading one takes before it is refused, and the memory.

Each file of ``tests/hostile_files.py`` (generated, never stored) at the size an attacker
used is read by ``ml.resume_files.extract_text``, the call every upload path makes right
after the flood limits, in a fresh Python process of its own, so the process's peak memory
(``VmHWM``, imports and the generated file included) is that file's alone. Keys:
``hostile_refusal_max_s`` (target 3 s) and ``hostile_peak_rss_mb`` (target 600 MB), with
each file's figures under ``hostile.files``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from bench.common import load_average
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
from tests import hostile_files
from ml.resume_files import ResumeFileError, extract_text
def high_water_mb():
    # VmHWM starts afresh with this program; ru_maxrss would carry the parent's over exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
data = {make}
before = high_water_mb()
started = time.perf_counter()
try:
    extract_text(data)
    outcome = "accepted"
except ResumeFileError as exc:
    outcome = str(exc)
seconds = time.perf_counter() - started
print(json.dumps({{"bytes": len(data), "seconds": seconds, "peak_rss_mb": high_water_mb(),
                  "rss_before_mb": before, "outcome": outcome}}))
"""


def run() -> dict[str, Any]:
    load_before = load_average()
    files = {}
    for name, make in FILES.items():
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(make=make)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        files[name] = {
            "bytes": row["bytes"],
            "seconds": round(row["seconds"], 3),
            "peak_rss_mb": round(row["peak_rss_mb"], 1),
            "refused": row["outcome"] != "accepted",
            "message": row["outcome"],
        }
    worst_s = max(f["seconds"] for f in files.values())
    worst_mb = max(f["peak_rss_mb"] for f in files.values())
    return {
        "hostile_refusal_max_s": worst_s,
        "hostile_peak_rss_mb": worst_mb,
        "hostile": {
            "files": files,
            "all_refused": all(f["refused"] for f in files.values()),
            "targets": {"refusal_s": TARGET_SECONDS, "peak_rss_mb": TARGET_RSS_MB},
            "meets_targets": {
                "refusal_s": worst_s <= TARGET_SECONDS,
                "peak_rss_mb": worst_mb <= TARGET_RSS_MB,
            },
            "load_average_1m": {"before": load_before, "after": load_average()},
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }


def summary(results: dict[str, Any]) -> str:
    lines = [
        f"{name}: {f['bytes']:,} bytes, {f['seconds']:.2f} s, {f['peak_rss_mb']:.0f} MB, "
        f"{'refused' if f['refused'] else 'ACCEPTED'}"
        for name, f in results["hostile"]["files"].items()
    ]
    met = results["hostile"]["meets_targets"]
    lines.append(
        f"worst {results['hostile_refusal_max_s']:.2f} s (target {TARGET_SECONDS} s: "
        f"{'PASS' if met['refusal_s'] else 'FAIL'}), peak {results['hostile_peak_rss_mb']:.0f} MB "
        f"(target {TARGET_RSS_MB:.0f} MB: {'PASS' if met['peak_rss_mb'] else 'FAIL'})"
    )
    return "\n".join(lines)
