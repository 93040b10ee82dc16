"""VectorIndex: exact vs HNSW, persistence, fingerprints, validation, quality on resumes."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import faiss
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from ml import search as search_module
from ml.embeddings import Embedder
from ml.search import IndexFileError, VectorIndex, fingerprint, precision_at_k, recall_at_k
from tests.conftest import require_shared
from tests.helpers import CachingEmbedder

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESUMES_CSV = SHARED_DATA / "resume_dataset_categories.csv"
DIM = 384
# MiniLM reads at most 256 word pieces, which the first ~1,000 characters of a resume fill.
RESUME_CHARS = 1_000


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _random_unit(n: int, seed: int, dim: int = DIM) -> np.ndarray:
    return _unit(np.random.default_rng(seed).standard_normal((n, dim)))


def _ids(n: int, prefix: str = "c") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(n)]


def _top_ids(index: VectorIndex, queries: np.ndarray, k: int) -> list[list[str]]:
    return [[id_ for id_, _ in index.search(query, k)] for query in queries]


# --------------------------------------------------------------------------- exact vs HNSW


@pytest.fixture(scope="module")
def clustered() -> tuple[np.ndarray, np.ndarray]:
    """5,000 stored vectors and 200 queries around 50 topics, the shape real embeddings have."""
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((50, DIM))
    stored = _unit(centres[rng.integers(0, 50, 5_000)] + rng.standard_normal((5_000, DIM)))
    queries = _unit(centres[rng.integers(0, 50, 200)] + rng.standard_normal((200, DIM)))
    return stored, queries


def test_hnsw_matches_exact_on_clustered_vectors(clustered: tuple[np.ndarray, np.ndarray]) -> None:
    stored, queries = clustered
    ids = _ids(len(stored))
    exact = VectorIndex().fit(ids, stored)
    hnsw = VectorIndex(exact_threshold=100).fit(ids, stored)
    assert (exact.kind_, hnsw.kind_) == ("exact", "hnsw")

    truth, found = _top_ids(exact, queries, 10), _top_ids(hnsw, queries, 10)
    assert [row[0] for row in found] == [row[0] for row in truth]
    assert recall_at_k([set(row) for row in truth], found, 10) >= 0.95


def test_hnsw_recall_on_uniform_random_vectors() -> None:
    # Uniform 384-d noise is HNSW's worst case: the default ef_search=64 reaches only ~0.8
    # recall@10 here, so this checks the knob works; real embeddings are clustered (above).
    stored, queries = _random_unit(5_000, seed=1), _random_unit(200, seed=2)
    ids = _ids(len(stored))
    exact = VectorIndex().fit(ids, stored)
    hnsw = VectorIndex(exact_threshold=100, ef_search=256).fit(ids, stored)

    truth, found = _top_ids(exact, queries, 10), _top_ids(hnsw, queries, 10)
    assert recall_at_k([set(row) for row in truth], found, 10) >= 0.95
    # A lightly perturbed stored vector finds its source as top-1 under both.
    noisy = _unit(stored[:100] + 0.05 * np.random.default_rng(3).standard_normal((100, DIM)))
    assert _top_ids(hnsw, noisy, 1) == _top_ids(exact, noisy, 1) == [[id_] for id_ in ids[:100]]


def test_kind_switches_at_the_exact_threshold() -> None:
    vectors = _random_unit(50, seed=4)
    below = VectorIndex(exact_threshold=50).fit(_ids(49), vectors[:49])
    at = VectorIndex(exact_threshold=50).fit(_ids(50), vectors)
    assert (below.kind_, at.kind_) == ("exact", "hnsw")
    assert at.search(vectors[10], k=1)[0][0] == "c00010"


# --------------------------------------------------------------------------- search behaviour


@pytest.fixture(scope="module")
def small() -> tuple[list[str], np.ndarray, VectorIndex]:
    vectors = _random_unit(30, seed=5)
    ids = _ids(30)
    return ids, vectors, VectorIndex().fit(ids, vectors)


def test_search_returns_best_first_cosines(
    small: tuple[list[str], np.ndarray, VectorIndex],
) -> None:
    ids, vectors, index = small
    hits = index.search(vectors[3], k=5)
    assert hits[0][0] == ids[3]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-6)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= score <= 1.0 for score in scores)
    expected = sorted(vectors @ vectors[3], reverse=True)[:5]
    assert scores == pytest.approx(expected, abs=1e-5)


def test_search_accepts_1d_and_2d_queries_and_unnormalised_ones(
    small: tuple[list[str], np.ndarray, VectorIndex],
) -> None:
    _, vectors, index = small
    one_d = index.search(vectors[0], k=4)
    assert index.search(vectors[0][np.newaxis, :], k=4) == one_d
    assert [id_ for id_, _ in index.search(vectors[0] * 7.5, k=4)] == [id_ for id_, _ in one_d]


def test_search_handles_k_larger_than_the_index_and_zero_k(
    small: tuple[list[str], np.ndarray, VectorIndex],
) -> None:
    ids, vectors, index = small
    assert sorted(id_ for id_, _ in index.search(vectors[0], k=100)) == sorted(ids)
    assert index.search(vectors[0], k=0) == []
    empty = VectorIndex().fit([], np.zeros((0, DIM), dtype=np.float32))
    assert empty.search(vectors[0], k=5) == []
    assert len(empty) == 0


def test_search_excludes_ids_and_still_returns_k(
    small: tuple[list[str], np.ndarray, VectorIndex],
) -> None:
    ids, vectors, index = small
    best = [id_ for id_, _ in index.search(vectors[0], k=8)]
    hits = index.search(vectors[0], k=5, exclude=set(best[:3]) | {"not-stored"})
    assert [id_ for id_, _ in hits] == best[3:8]
    everything_but_two = set(ids[2:])
    assert {id_ for id_, _ in index.search(vectors[0], k=5, exclude=everything_but_two)} == {
        ids[0],
        ids[1],
    }


def test_similar_excludes_the_item_itself(small: tuple[list[str], np.ndarray, VectorIndex]) -> None:
    ids, vectors, index = small
    hits = index.similar(ids[4], k=5)
    assert len(hits) == 5 and ids[4] not in {id_ for id_, _ in hits}
    assert hits == index.search(vectors[4], k=5, exclude={ids[4]})
    with pytest.raises(KeyError, match="not in this index"):
        index.similar("missing")


def test_near_duplicates_returns_everything_above_the_threshold() -> None:
    rng = np.random.default_rng(6)
    base = _random_unit(1, seed=8)[0]
    # 40 close copies: more than the first search window, so the widening path runs.
    copies = _unit(base + 0.01 * rng.standard_normal((40, DIM)))
    vectors = np.vstack([copies, _random_unit(500, seed=9)])
    ids = _ids(len(vectors))
    for threshold in (10_000, 100):  # exact, then HNSW
        index = VectorIndex(exact_threshold=threshold).fit(ids, vectors)
        dupes = index.near_duplicates(base, threshold=0.97)
        assert {id_ for id_, _ in dupes} == set(ids[:40])
        assert all(score >= 0.97 for _, score in dupes)
        assert index.near_duplicates(base, exclude={ids[0]})[0][0] != ids[0]
        assert index.near_duplicates(_random_unit(1, seed=10)[0]) == []
    with pytest.raises(ValueError, match="threshold"):
        index.near_duplicates(base, threshold=1.5)


def test_unfitted_index_says_so() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        VectorIndex().search(np.ones(DIM, dtype=np.float32))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("ids", "vectors", "message"),
    [
        (_ids(3), np.ones((3, 10), dtype=np.float32), "10 dimensions; this index expects 384"),
        (_ids(3), np.ones(DIM, dtype=np.float32), "2-D"),
        (["a", "b", "a"], _random_unit(3, seed=0), r"unique; duplicated: \['a'\]"),
        (_ids(2), _random_unit(3, seed=0), "2 ids for 3 vectors"),
        (_ids(3), np.where(np.eye(3, DIM) > 0, np.nan, 1.0), r"NaN or infinite values \(rows"),
        (_ids(3), np.full((3, DIM), np.inf), "NaN or infinite"),
        (_ids(3), np.zeros((3, DIM)), "all-zero rows"),
        ([1, 2, 3], _random_unit(3, seed=0), "ids must be strings"),
    ],
)
def test_fit_rejects_bad_input_clearly(ids: list[str], vectors: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VectorIndex().fit(ids, vectors)


def test_search_rejects_bad_queries(small: tuple[list[str], np.ndarray, VectorIndex]) -> None:
    _, vectors, index = small
    with pytest.raises(ValueError, match="expects 384"):
        index.search(np.ones(12, dtype=np.float32))
    with pytest.raises(ValueError, match="one vector"):
        index.search(vectors[:2])
    with pytest.raises(ValueError, match="NaN"):
        index.search(np.full(DIM, np.nan))
    with pytest.raises(ValueError, match="k must be"):
        index.search(vectors[0], k=-1)


def test_fit_rejects_bad_params() -> None:
    with pytest.raises(ValueError, match="hnsw_m"):
        VectorIndex(hnsw_m=0).fit(_ids(2), _random_unit(2, seed=0))


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_tracks_content_not_order() -> None:
    vectors, ids = _random_unit(20, seed=11), _ids(20)
    original = fingerprint(ids, vectors)
    order = np.random.default_rng(0).permutation(20)
    assert fingerprint([ids[i] for i in order], vectors[order]) == original

    nudged = vectors.copy()
    nudged[5, 17] = np.nextafter(nudged[5, 17], np.float32(2))
    assert fingerprint(ids, nudged) != original
    assert fingerprint([*ids[:-1], "other"], vectors) != original
    assert fingerprint(ids[:-1], vectors[:-1]) != original

    index = VectorIndex().fit(ids, vectors)
    assert index.fingerprint_ == original
    # The caller's database may hold float64: the hash is taken over float32 values.
    assert fingerprint(ids, vectors.astype(np.float64)) == original


# --------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("exact_threshold", [20_000, 10])
def test_save_load_round_trip(tmp_path: Path, exact_threshold: int) -> None:
    vectors, ids = _random_unit(200, seed=12), _ids(200)
    index = VectorIndex(exact_threshold=exact_threshold, ef_search=40).fit(ids, vectors)
    path = tmp_path / "indexes" / "candidates.faiss"
    index.save(path)
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "candidates.faiss",
        "candidates.faiss.json",
    ]

    loaded = VectorIndex.load(path)
    assert loaded.get_params() == index.get_params()
    assert (loaded.ids_, loaded.kind_, loaded.fingerprint_) == (
        index.ids_,
        index.kind_,
        index.fingerprint_,
    )
    if loaded.kind_ == "hnsw":
        assert faiss.downcast_index(loaded.index_).hnsw.efSearch == 40
    queries = _random_unit(20, seed=13)
    assert _top_ids(loaded, queries, 10) == _top_ids(index, queries, 10)
    assert loaded.similar(ids[0], 3) == index.similar(ids[0], 3)


def test_failed_save_leaves_previous_files_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "candidates.faiss"
    old = VectorIndex().fit(_ids(50), _random_unit(50, seed=14))
    old.save(path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(search_module.faiss, "write_index", crash)
    new = VectorIndex().fit(_ids(60, prefix="n"), _random_unit(60, seed=15))
    with pytest.raises(OSError, match="disk full"):
        new.save(path)

    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp files either
    assert VectorIndex.load(path).fingerprint_ == old.fingerprint_


def test_load_detects_an_index_that_does_not_match_its_sidecar(tmp_path: Path) -> None:
    # What a crash between the two renames would leave: a new index beside the old sidecar.
    first, second = tmp_path / "a.faiss", tmp_path / "b.faiss"
    VectorIndex().fit(_ids(10), _random_unit(10, seed=16)).save(first)
    VectorIndex().fit(_ids(10), _random_unit(10, seed=17)).save(second)
    first.write_bytes(second.read_bytes())
    with pytest.raises(IndexFileError, match="does not match its sidecar"):
        VectorIndex.load(first)


def test_load_rejects_missing_or_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "candidates.faiss"
    with pytest.raises(FileNotFoundError):
        VectorIndex.load(path)
    VectorIndex().fit(_ids(5), _random_unit(5, seed=18)).save(path)
    sidecar = VectorIndex.sidecar_path(path)
    sidecar.write_text(sidecar.read_text().replace('"format_version": 1', '"format_version": 99'))
    with pytest.raises(IndexFileError, match="format version 99"):
        VectorIndex.load(path)
    sidecar.write_text("{not json")
    with pytest.raises(IndexFileError, match="not valid JSON"):
        VectorIndex.load(path)


# --------------------------------------------------------------------------- metrics


def test_precision_and_recall_at_k() -> None:
    relevant = [{"a", "b"}, {"c"}]
    retrieved = [["a", "x", "b", "y"], ["z"]]
    assert precision_at_k(relevant, retrieved, 2) == pytest.approx((1 / 2 + 0 / 2) / 2)
    assert recall_at_k(relevant, retrieved, 3) == pytest.approx((2 / 2 + 0 / 1) / 2)
    with pytest.raises(ValueError, match="must match"):
        precision_at_k(relevant, retrieved[:1], 2)


# --------------------------------------------------------------------------- real resumes


@pytest.fixture(scope="module")
def encoder() -> Embedder:
    return CachingEmbedder()  # MiniLM itself; each text embedded once per test run


@pytest.fixture(scope="module")
def resumes(encoder: Embedder) -> tuple[list[str], list[str], np.ndarray, VectorIndex]:
    """Distinct resume texts, their categories, MiniLM vectors and an index keyed by position."""
    require_shared(RESUMES_CSV)
    categories: dict[str, str] = {}
    with RESUMES_CSV.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            # 962 rows hold only 166 distinct texts; repeats would be free "neighbours".
            categories.setdefault(row["Resume"], row["Category"])
    texts = list(categories)
    vectors = encoder.encode([text[:RESUME_CHARS] for text in texts])
    index = VectorIndex().fit([str(i) for i in range(len(texts))], vectors)
    return texts, [categories[text] for text in texts], vectors, index


@pytest.mark.slow
def test_similar_resumes_share_a_category_far_above_chance(
    resumes: tuple[list[str], list[str], np.ndarray, VectorIndex],
) -> None:
    texts, categories, _, index = resumes
    assert len(texts) == 166
    ids = index.ids_
    members: dict[str, set[str]] = defaultdict(set)
    for id_, category in zip(ids, categories, strict=True):
        members[category].add(id_)
    relevant = [members[category] - {id_} for id_, category in zip(ids, categories, strict=True)]
    retrieved = [[id_ for id_, _ in index.similar(id_, k=5)] for id_ in ids]

    mean_p5 = precision_at_k(relevant, retrieved, 5)
    chance = sum((n / len(ids)) ** 2 for n in Counter(categories).values())
    # Measured 0.472 (chance 0.045): MiniLM on the first 1,000 characters, 25 categories of
    # which several overlap (Testing/Automation Testing, Database/ETL/Hadoop, ...).
    assert mean_p5 >= max(0.44, 3 * chance), f"mean p@5 {mean_p5:.3f}, chance {chance:.3f}"


# Queries and expected categories, fixed before measuring; see the assertions for the bar.
QUERIES = [
    ("Java developer with Spring and Hibernate", "Java Developer"),
    ("data scientist machine learning python", "Data Science"),
    ("HR recruiter talent acquisition", "HR"),
    ("lawyer advocate court litigation", "Advocate"),
    ("DevOps engineer Docker Kubernetes Jenkins AWS", "DevOps Engineer"),
    ("Hadoop big data Hive Spark", "Hadoop"),
    ("civil engineer site construction", "Civil Engineer"),
    ("manual and automation testing selenium", "Automation Testing"),
    ("blockchain ethereum smart contracts", "Blockchain"),
    ("SAP ABAP developer", "SAP Developer"),
    ("network security firewall", "Network Security Engineer"),
    ("fitness trainer nutrition", "Health and fitness"),
]


@pytest.mark.slow
def test_natural_language_queries_find_the_right_resumes(
    encoder: Embedder, resumes: tuple[list[str], list[str], np.ndarray, VectorIndex]
) -> None:
    _, categories, _, index = resumes
    query_vectors = encoder.encode([query for query, _ in QUERIES])
    found = {
        query: [categories[int(id_)] for id_, _ in index.search(vector, k=5)]
        for (query, _), vector in zip(QUERIES, query_vectors, strict=True)
    }
    matches = {query: found[query].count(expected) for query, expected in QUERIES}
    # Measured: top-1 right for all 12; 10 of 12 with >= 4 of 5 (HR 3/5, DevOps 2/5).
    assert all(found[query][0] == expected for query, expected in QUERIES), found
    assert sum(count >= 4 for count in matches.values()) >= 9, matches
    for query in (
        "Java developer with Spring and Hibernate",
        "data scientist machine learning python",
    ):
        assert matches[query] >= 4, found[query]


@pytest.mark.slow
def test_reformatted_resume_is_a_near_duplicate_and_distinct_resumes_are_not(
    encoder: Embedder, resumes: tuple[list[str], list[str], np.ndarray, VectorIndex]
) -> None:
    texts, _, vectors, index = resumes
    # The same resume re-exported with different line breaks and capitals.
    reformatted = [re.sub(r"\s+", " ", text[:RESUME_CHARS]).upper() for text in texts[:10]]
    for i, vector in enumerate(encoder.encode(reformatted)):
        assert index.near_duplicates(vector)[0][0] == str(i)
    # Measured: the closest two distinct resumes have cosine 0.83.
    assert not any(index.near_duplicates(vectors[i], exclude={str(i)}) for i in range(len(texts)))
