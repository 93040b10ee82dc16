"""Vector search over unit-length embeddings (FAISS), keyed by string ids.

``VectorIndex`` answers "which stored items are closest to this vector" with cosine scores.
Small collections use exact inner-product search; large ones switch to HNSW, which is
approximate but sub-linear. Indexes persist to a FAISS file plus a JSON sidecar, and carry a
fingerprint of the (id, vector) pairs they were built from, so a caller can tell a stale
index from a current one and rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from sklearn.exceptions import NotFittedError

FORMAT_VERSION = 1
SIDECAR_SUFFIX = ".json"
# HNSW build quality; a fixed value so the same data gives a comparable graph on every build.
_EF_CONSTRUCTION = 80
_KINDS = ("exact", "hnsw")


class IndexFileError(ValueError):
    """A persisted index is unreadable, inconsistent with its sidecar, or of another format."""


def _as_matrix(vectors: Any, dimensions: int, what: str = "vectors") -> np.ndarray:
    """Validate a 2-D finite matrix with ``dimensions`` columns; return float32, C-ordered."""
    array = np.asarray(vectors)
    if array.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (n, {dimensions}); got shape {array.shape}")
    if array.shape[1] != dimensions:
        raise ValueError(
            f"{what} have {array.shape[1]} dimensions; this index expects {dimensions}"
        )
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise ValueError(f"{what} must be real numbers; got dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float32)
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)[:5].tolist()
        raise ValueError(f"{what} contain NaN or infinite values (rows {bad})")
    return array


def _validated(ids: Sequence[str], vectors: Any, dimensions: int) -> tuple[list[str], np.ndarray]:
    """Check ids against vectors: one unique string id per row."""
    matrix = _as_matrix(vectors, dimensions)
    id_list = list(ids)
    if len(id_list) != matrix.shape[0]:
        raise ValueError(f"got {len(id_list)} ids for {matrix.shape[0]} vectors; they must match")
    if not all(isinstance(id_, str) for id_ in id_list):
        raise ValueError("ids must be strings (e.g. str(candidate.id))")
    if len(set(id_list)) != len(id_list):
        dupes = sorted(id_ for id_, count in Counter(id_list).items() if count > 1)
        raise ValueError(f"ids must be unique; duplicated: {dupes[:5]}")
    return id_list, matrix


def _normalised(matrix: np.ndarray, what: str = "vectors") -> np.ndarray:
    """Rows scaled to unit length, so inner product equals cosine similarity."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    if zero.any():
        raise ValueError(f"{what} contain all-zero rows (rows {np.flatnonzero(zero)[:5].tolist()})")
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def fingerprint(ids: Sequence[str], vectors: Any) -> str:
    """SHA-256 of the (id, float32 vector) pairs, independent of their order.

    Compare it with ``VectorIndex.fingerprint_`` to decide whether a persisted index is stale.
    """
    array = np.asarray(vectors)
    if array.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (n, dimensions); got shape {array.shape}")
    dimensions = array.shape[1]
    id_list, matrix = _validated(ids, array, dimensions)
    # Little-endian float32 bytes: the same embeddings hash the same on every platform.
    matrix = matrix.astype("<f4", copy=False)
    digest = hashlib.sha256(f"peopleos-vectors-v1:{len(id_list)}x{dimensions}".encode())
    for position in sorted(range(len(id_list)), key=id_list.__getitem__):
        encoded = id_list[position].encode("utf-8")
        # Length prefix so ("ab", ...) and ("a", "b...") can never collide.
        digest.update(len(encoded).to_bytes(4, "little"))
        digest.update(encoded)
        digest.update(matrix[position].tobytes())
    return digest.hexdigest()


def _write_atomically(target: Path, write: Any) -> Path:
    """Write to a temporary file beside ``target`` via ``write(tmp_path)``; return the temp path.

    The caller moves it into place with ``os.replace``; on failure the temp file is removed.
    """
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as file:
            os.fsync(file.fileno())  # the bytes are on disk before the rename makes them visible
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


class VectorIndex:
    """Cosine nearest-neighbour search over unit-length embeddings keyed by string ids.

    Exact inner-product search below ``exact_threshold`` items, HNSW at or above it.
    """

    def __init__(
        self,
        dimensions: int = 384,
        exact_threshold: int = 20_000,
        hnsw_m: int = 32,
        ef_search: int = 64,
    ) -> None:
        self.dimensions = dimensions
        self.exact_threshold = exact_threshold
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search

    def get_params(self) -> dict[str, int]:
        return {
            "dimensions": self.dimensions,
            "exact_threshold": self.exact_threshold,
            "hnsw_m": self.hnsw_m,
            "ef_search": self.ef_search,
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"VectorIndex({params})"

    # ----------------------------------------------------------------- fitting

    def fit(self, ids: Sequence[str], vectors: np.ndarray) -> VectorIndex:
        """Build the index from one vector per id; returns ``self``."""
        for name, value in self.get_params().items():
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        id_list, matrix = _validated(ids, vectors, self.dimensions)
        # Callers should pass unit vectors already; re-normalising keeps scores true cosines.
        unit = _normalised(matrix)
        if len(id_list) < self.exact_threshold:
            index: faiss.Index = faiss.IndexFlatIP(self.dimensions)
            kind = "exact"
        else:
            index = faiss.IndexHNSWFlat(self.dimensions, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = _EF_CONSTRUCTION
            index.hnsw.efSearch = self.ef_search
            kind = "hnsw"
        if len(id_list):
            index.add(unit)
        self.ids_ = id_list
        self.index_ = index
        self.kind_ = kind
        self.fingerprint_ = fingerprint(id_list, matrix)
        self._positions = {id_: position for position, id_ in enumerate(id_list)}
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "index_"):
            raise NotFittedError("This VectorIndex is not fitted yet; call fit() or load() first")

    def __len__(self) -> int:
        self._check_fitted()
        return len(self.ids_)

    def __contains__(self, id_: object) -> bool:
        self._check_fitted()
        return id_ in self._positions

    # ----------------------------------------------------------------- querying

    def _query(self, query: np.ndarray) -> np.ndarray:
        """One query as a (1, dimensions) unit row; accepts shape (d,) or (1, d)."""
        array = np.asarray(query)
        if array.ndim == 1:
            array = array[np.newaxis, :]
        if array.ndim != 2 or array.shape[0] != 1:
            raise ValueError(
                f"query must be one vector of shape ({self.dimensions},) or (1, {self.dimensions});"
                f" got shape {np.asarray(query).shape}"
            )
        return _normalised(_as_matrix(array, self.dimensions, "query"), "query")

    def _raw_search(self, unit_query: np.ndarray, n: int) -> list[tuple[str, float]]:
        if n <= 0:
            return []
        scores, positions = self.index_.search(unit_query, n)
        # Float error can push a self-match a hair above 1; cosines live in [-1, 1].
        return [
            (self.ids_[position], float(min(1.0, max(-1.0, score))))
            for score, position in zip(scores[0], positions[0], strict=True)
            if position >= 0  # FAISS pads with -1 when it finds fewer than n
        ]

    def search(
        self, query: np.ndarray, k: int = 10, exclude: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` stored items most similar to ``query`` as (id, cosine), best first."""
        self._check_fitted()
        if k < 0:
            raise ValueError(f"k must be >= 0; got {k}")
        unit = self._query(query)
        skip = {id_ for id_ in exclude or () if id_ in self._positions}
        # Excluded ids may occupy the top slots, so fetch that many extra and filter them out.
        hits = self._raw_search(unit, min(k + len(skip), len(self.ids_)))
        return [hit for hit in hits if hit[0] not in skip][:k]

    def vector(self, id_: str) -> np.ndarray:
        """The stored (unit-length) vector of ``id_``."""
        self._check_fitted()
        if id_ not in self._positions:
            raise KeyError(f"id {id_!r} is not in this index")
        return np.asarray(self.index_.reconstruct(self._positions[id_]), dtype=np.float32)

    def similar(self, id_: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` stored items most similar to stored item ``id_``, excluding itself."""
        return self.search(self.vector(id_), k=k, exclude={id_})

    def near_duplicates(
        self,
        query: np.ndarray,
        threshold: float = 0.97,
        exclude: Iterable[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Every stored item whose cosine with ``query`` is at least ``threshold``, best first.

        For "is this new resume a copy of one we have": embed it and check for a non-empty
        result. Pass ``exclude={its_id}`` to check an item that is already stored. Under HNSW
        the answer is approximate, like every HNSW search.
        """
        self._check_fitted()
        if not -1.0 <= threshold <= 1.0:
            raise ValueError(f"threshold is a cosine similarity in [-1, 1]; got {threshold}")
        unit = self._query(query)
        skip = {id_ for id_ in exclude or () if id_ in self._positions}
        total = len(self.ids_)
        # Duplicates are usually few: widen the search only while the last hit still qualifies.
        n = min(total, 16 + len(skip))
        while True:
            hits = self._raw_search(unit, n)
            if n >= total or not hits or hits[-1][1] < threshold:
                break
            n = min(total, n * 4)
        return [(id_, score) for id_, score in hits if score >= threshold and id_ not in skip]

    # ----------------------------------------------------------------- persistence

    @staticmethod
    def sidecar_path(path: Path) -> Path:
        """Where ``save(path)`` puts the JSON sidecar: ``path`` plus ``.json``."""
        path = Path(path)
        return path.with_name(path.name + SIDECAR_SUFFIX)

    def save(self, path: Path) -> None:
        """Persist to ``path`` (FAISS index) and ``path.json`` (ids, params, fingerprint).

        Both files are written to temporary files first and renamed into place, so a failed
        save leaves the previous pair untouched. The sidecar records the index file's SHA-256,
        so even a crash between the two renames is caught by ``load``.
        """
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        sidecar = self.sidecar_path(path)
        index_tmp = _write_atomically(path, lambda tmp: faiss.write_index(self.index_, str(tmp)))
        try:
            meta = {
                "format_version": FORMAT_VERSION,
                "kind": self.kind_,
                "params": self.get_params(),
                "fingerprint": self.fingerprint_,
                "index_sha256": hashlib.sha256(index_tmp.read_bytes()).hexdigest(),
                "ids": self.ids_,
            }
            sidecar_tmp = _write_atomically(
                sidecar, lambda tmp: tmp.write_text(json.dumps(meta), encoding="utf-8")
            )
        except BaseException:
            index_tmp.unlink(missing_ok=True)
            raise
        try:
            os.replace(index_tmp, path)
            os.replace(sidecar_tmp, sidecar)
        finally:
            index_tmp.unlink(missing_ok=True)  # both no-ops once the renames succeeded
            sidecar_tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Load an index written by ``save``.

        Raises ``FileNotFoundError`` when either file is missing and ``IndexFileError`` when
        they are corrupt or inconsistent; callers treat both as "rebuild".
        """
        path = Path(path)
        sidecar = cls.sidecar_path(path)
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise IndexFileError(f"{sidecar} is not valid JSON: {error}") from error
        if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
            found = meta.get("format_version") if isinstance(meta, dict) else None
            raise IndexFileError(
                f"{sidecar} has format version {found!r}; this code reads {FORMAT_VERSION}"
            )
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != meta.get("index_sha256"):
            raise IndexFileError(f"{path} does not match its sidecar {sidecar} (interrupted save?)")
        try:
            params = {key: int(meta["params"][key]) for key in cls().get_params()}
            ids = [str(id_) for id_ in meta["ids"]]
            kind, stored_fingerprint = str(meta["kind"]), str(meta["fingerprint"])
        except (KeyError, TypeError, ValueError) as error:
            raise IndexFileError(
                f"{sidecar} is missing or has a malformed field: {error}"
            ) from error
        # Deserialise the very bytes that were checksummed rather than re-reading the file.
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if (
            kind not in _KINDS
            or index.ntotal != len(ids)
            or index.d != params["dimensions"]
            or len(set(ids)) != len(ids)
        ):
            raise IndexFileError(f"{path} and {sidecar} disagree on size, dimensions or kind")
        if kind == "hnsw":
            faiss.downcast_index(index).hnsw.efSearch = params["ef_search"]
        self = cls(**params)
        self.ids_ = ids
        self.index_ = index
        self.kind_ = kind
        self.fingerprint_ = stored_fingerprint
        self._positions = {id_: position for position, id_ in enumerate(ids)}
        return self


def precision_at_k(
    relevant: Sequence[set[str]], retrieved: Sequence[Sequence[str]], k: int
) -> float:
    """Mean over queries of the share of the top ``k`` retrieved ids that are relevant.

    A query that retrieved fewer than ``k`` ids is still divided by ``k``.
    """
    _check_eval_args(relevant, retrieved, k)
    if not relevant:
        return float("nan")
    hits = [
        len(set(list(found)[:k]) & wanted) / k
        for wanted, found in zip(relevant, retrieved, strict=True)
    ]
    return float(np.mean(hits))


def recall_at_k(relevant: Sequence[set[str]], retrieved: Sequence[Sequence[str]], k: int) -> float:
    """Mean over queries of the share of relevant ids found in the top ``k`` retrieved.

    Queries with no relevant ids are skipped; NaN if none remain.
    """
    _check_eval_args(relevant, retrieved, k)
    shares = [
        len(set(list(found)[:k]) & wanted) / len(wanted)
        for wanted, found in zip(relevant, retrieved, strict=True)
        if wanted
    ]
    return float(np.mean(shares)) if shares else float("nan")


def _check_eval_args(relevant: Sequence[Any], retrieved: Sequence[Any], k: int) -> None:
    if len(relevant) != len(retrieved):
        raise ValueError(
            f"got {len(relevant)} relevant sets for {len(retrieved)} result lists; they must match"
        )
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
