"""How well :func:`ml.resume.parse_resume` reads jobs, years and degrees, on a labelled set.

The labelled set (``tests/data/resume_labels/labels.json``) holds hand-written edge cases
and rows of the shared public resume data set, each with the jobs, total years and degrees
that a person found by reading it; the file says how it was labelled. Run
``python -m ml.resume_eval`` to print the figures quoted in README.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ml.resume import ResumeProfile, Taxonomy, parse_resume

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "resume_labels" / "labels.json"
SHARED_RESUMES = ROOT.parent / "shared" / "data" / "resume_dataset_categories.csv"
TAXONOMY = ROOT / "data" / "skills_taxonomy.json"


@dataclass(frozen=True)
class LabelledResume:
    """One resume and what a careful reader finds in it."""

    id: str
    source: str  # "hand-written" or "shared"
    split: str  # "development" (used to build the parser) or "held-out" (never used to tune it)
    text: str
    jobs: tuple[tuple[str, str], ...]  # (start, end): "YYYY-MM", "YYYY" or end "present"
    total_years: float
    degrees: tuple[str, ...]


@dataclass(frozen=True)
class LabelledSet:
    as_of: date
    tolerance_years: float
    resumes: tuple[LabelledResume, ...]


@dataclass(frozen=True)
class ResumeResult:
    """The parser's output on one resume, compared field by field with its labels."""

    id: str
    source: str
    split: str
    jobs_labelled: int
    jobs_parsed: int
    jobs_matched: int  # labelled jobs found with both dates right (each parsed job used once)
    total_labelled: float
    total_parsed: float
    total_ok: bool
    degrees_labelled: int
    degrees_found: int  # labelled degrees named by some education entry
    entries: int  # education entries the parser returned
    entries_right: int  # entries that name a labelled degree

    @property
    def job_count_ok(self) -> bool:
        return self.jobs_parsed == self.jobs_labelled

    @property
    def job_dates_ok(self) -> bool:
        return self.job_count_ok and self.jobs_matched == self.jobs_labelled

    @property
    def degrees_ok(self) -> bool:
        return self.degrees_found == self.degrees_labelled and self.entries_right == self.entries


@dataclass(frozen=True)
class Accuracy:
    """Per-field accuracy over a labelled set; shares are 0-1."""

    resumes: int
    hand_written: int
    shared: int
    tolerance_years: float
    job_count: float  # resumes with exactly the labelled number of jobs
    job_dates: float  # resumes whose every job has the labelled start and end, and no extra job
    job_recall: float  # labelled jobs found with both dates right
    job_precision: float  # parsed jobs that are labelled jobs with both dates right
    total_years: float  # resumes whose total years is within the tolerance
    degrees: float  # resumes whose education names every labelled degree and nothing else
    degree_recall: float  # labelled degrees found
    education_precision: float  # education entries that name a labelled degree
    jobs_labelled: int
    degrees_labelled: int


def load_labelled_set(
    labels: Path = LABELS, shared_csv: Path | None = SHARED_RESUMES
) -> LabelledSet:
    """The labelled resumes with their texts; rows of the shared data set are read from
    ``shared_csv``, or left out when it is None.

    Raises ValueError when a shared row's text is not the one that was labelled.
    """
    spec = json.loads(labels.read_text(encoding="utf-8"))
    rows: list[str] = []
    if shared_csv is not None:
        # Universal newlines on purpose: the cells' CRLFs become "\n", as in the other tests
        # that read this file, and the labelled digests are of that text.
        with shared_csv.open(encoding="utf-8") as f:
            rows = [row["Resume"] for row in csv.DictReader(f)]
    resumes = []
    for item in spec["resumes"]:
        if "file" in item:
            text = (labels.parent / item["file"]).read_text(encoding="utf-8")
            source = "hand-written"
        elif shared_csv is None:
            continue
        else:
            text, source = rows[int(item["csv_row"])], "shared"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if not digest.startswith(item["sha256"]):
                raise ValueError(f"{item['id']}: row {item['csv_row']} is not the labelled text")
        resumes.append(
            LabelledResume(
                id=item["id"],
                source=source,
                split=item.get("split", "development"),
                text=text,
                jobs=tuple((str(s), str(e)) for s, e in item["jobs"]),
                total_years=float(item["total_years"]),
                degrees=tuple(item["degrees"]),
            )
        )
    return LabelledSet(
        as_of=date.fromisoformat(spec["as_of"]),
        tolerance_years=float(spec["tolerance_years"]),
        resumes=tuple(resumes),
    )


def _same_point(label: str, parsed: date, as_of: date) -> bool:
    """A labelled date ("YYYY-MM", "YYYY" or "present") against a parsed one, at its precision."""
    if label == "present":
        return (parsed.year, parsed.month) == (as_of.year, as_of.month)
    year, _, month = label.partition("-")
    return parsed.year == int(year) and (not month or parsed.month == int(month))


def _tokens(text: str) -> list[str]:
    # Dots and apostrophes vanish ("B.E." -> "be", "Bachelor’s" -> "bachelors"), as do the
    # non-ASCII bytes of mojibake, so a degree reads the same however it was typed.
    text = re.sub(r"[.'’]|[^\x00-\x7f]", "", text.lower())
    return re.findall(r"[a-z0-9]+", text)


def _names(entry: str, degree: str) -> bool:
    words, wanted = _tokens(entry), _tokens(degree)
    n = len(wanted)
    return n > 0 and any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def score(
    label: LabelledResume, profile: ResumeProfile, as_of: date, tolerance_years: float
) -> ResumeResult:
    """Compare one parsed profile with its labels."""
    unused = list(profile.jobs)
    matched = 0
    for start, end in label.jobs:
        for job in unused:
            if _same_point(start, job.start, as_of) and _same_point(end, job.end, as_of):
                unused.remove(job)
                matched += 1
                break
    entries = profile.education
    return ResumeResult(
        id=label.id,
        source=label.source,
        split=label.split,
        jobs_labelled=len(label.jobs),
        jobs_parsed=len(profile.jobs),
        jobs_matched=matched,
        total_labelled=label.total_years,
        total_parsed=profile.total_years,
        # A hair of slack so that 0.5 apart by rounding still counts as within 0.5.
        total_ok=abs(profile.total_years - label.total_years) <= tolerance_years + 1e-9,
        degrees_labelled=len(label.degrees),
        degrees_found=sum(any(_names(e, d) for e in entries) for d in label.degrees),
        entries=len(entries),
        entries_right=sum(any(_names(e, d) for d in label.degrees) for e in entries),
    )


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def summarise(results: Sequence[ResumeResult], tolerance_years: float) -> Accuracy:
    """Per-field accuracy over the scored resumes."""
    n = len(results)
    jobs_labelled = sum(r.jobs_labelled for r in results)
    degrees_labelled = sum(r.degrees_labelled for r in results)
    return Accuracy(
        resumes=n,
        hand_written=sum(r.source == "hand-written" for r in results),
        shared=sum(r.source == "shared" for r in results),
        tolerance_years=tolerance_years,
        job_count=_share(sum(r.job_count_ok for r in results), n),
        job_dates=_share(sum(r.job_dates_ok for r in results), n),
        job_recall=_share(sum(r.jobs_matched for r in results), jobs_labelled),
        job_precision=_share(
            sum(r.jobs_matched for r in results), sum(r.jobs_parsed for r in results)
        ),
        total_years=_share(sum(r.total_ok for r in results), n),
        degrees=_share(sum(r.degrees_ok for r in results), n),
        degree_recall=_share(sum(r.degrees_found for r in results), degrees_labelled),
        education_precision=_share(
            sum(r.entries_right for r in results), sum(r.entries for r in results)
        ),
        jobs_labelled=jobs_labelled,
        degrees_labelled=degrees_labelled,
    )


def evaluate(labelled: LabelledSet, taxonomy: Taxonomy) -> list[ResumeResult]:
    """Parse every labelled resume as of the set's date and score it."""
    return [
        score(
            r,
            parse_resume(r.text, taxonomy, today=labelled.as_of),
            labelled.as_of,
            labelled.tolerance_years,
        )
        for r in labelled.resumes
    ]


def report(results: Sequence[ResumeResult], tolerance_years: float) -> str:
    """The figures as a plain-text table (all, development, held-out), then every miss."""
    groups = {
        "all": summarise(results, tolerance_years),
        **{
            split: summarise([r for r in results if r.split == split], tolerance_years)
            for split in ("development", "held-out")
        },
    }
    a = groups["all"]
    rows: list[tuple[str, str]] = [
        ("job count exact", "job_count"),
        ("every job's dates right", "job_dates"),
        ("jobs found (recall)", "job_recall"),
        ("parsed jobs right (precision)", "job_precision"),
        (f"total years within ±{tolerance_years:g}", "total_years"),
        ("degrees exact", "degrees"),
        ("degrees found (recall)", "degree_recall"),
        ("education entries right", "education_precision"),
    ]
    lines = [
        f"Resume parsing on {a.resumes} labelled resumes ({a.hand_written} hand-written, "
        f"{a.shared} from the shared data set)",
        f"  {'':<32}" + "".join(f"{name:>13}" for name in groups),
        f"  {'resumes':<32}" + "".join(f"{g.resumes:>13}" for g in groups.values()),
        f"  {'labelled jobs':<32}" + "".join(f"{g.jobs_labelled:>13}" for g in groups.values()),
        f"  {'labelled degrees':<32}"
        + "".join(f"{g.degrees_labelled:>13}" for g in groups.values()),
        *(
            f"  {name:<32}" + "".join(f"{getattr(g, key):>13.1%}" for g in groups.values())
            for name, key in rows
        ),
    ]
    misses = [r for r in results if not (r.job_dates_ok and r.total_ok and r.degrees_ok)]
    if misses:
        lines.append("Misses:")
    for r in misses:
        lines.append(
            f"  {r.id} ({r.split}): jobs {r.jobs_matched}/{r.jobs_labelled} right "
            f"of {r.jobs_parsed} parsed; years {r.total_parsed:g} "
            f"(labelled {r.total_labelled:g}); degrees {r.degrees_found}/{r.degrees_labelled}, "
            f"entries {r.entries_right}/{r.entries} right"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the accuracy on the labelled set (optional arguments: labels file, shared CSV)."""
    args = list(sys.argv[1:] if argv is None else argv)
    labels = Path(args[0]) if args else LABELS
    shared = Path(args[1]) if len(args) > 1 else SHARED_RESUMES
    if not shared.exists():
        sys.stderr.write(f"The shared resume data set is not at {shared}.\n")
        return 2
    labelled = load_labelled_set(labels, shared)
    results = evaluate(labelled, Taxonomy.load(TAXONOMY))
    sys.stdout.write(report(results, labelled.tolerance_years) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
