"""This machine's cache of trained priors: a new checkout copies what the same recipe
trained before, and any change to the recipe (``ml/``, requirements) trains anew."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.services import model_registry, prior_cache, retention_models
from ml import synthetic_retention, training
from tests.helpers import run_cli


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("PEOPLEOS_PRIOR_CACHE", str(tmp_path / "cache"))
    prior_cache.recipe_key.cache_clear()
    yield tmp_path / "cache"
    prior_cache.recipe_key.cache_clear()


def _trainer(path: Path, content: bytes, calls: list[Path]) -> Callable[[], None]:
    def train() -> None:
        calls.append(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    return train


def test_a_second_checkout_copies_what_the_first_trained(cache: Path, tmp_path: Path) -> None:
    calls: list[Path] = []
    first = tmp_path / "one" / "models" / "prior.pkl"
    assert prior_cache.build(first, _trainer(first, b"weights", calls)) == "trained"
    second = tmp_path / "two" / "models" / "prior.pkl"
    assert prior_cache.build(second, _trainer(second, b"other", calls)) == "cached"
    assert calls == [first]
    assert second.read_bytes() == b"weights"
    assert prior_cache.cached_file(second).parent.parent == cache


def test_a_failed_training_caches_nothing(cache: Path, tmp_path: Path) -> None:
    target = tmp_path / "models" / "prior.pkl"

    def broken() -> None:
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError):
        prior_cache.build(target, broken)
    assert not prior_cache.cached_file(target).exists()
    assert not target.exists()


def test_forget_makes_the_next_build_train(cache: Path, tmp_path: Path) -> None:
    calls: list[Path] = []
    target = tmp_path / "models" / "prior.pkl"
    prior_cache.build(target, _trainer(target, b"v1", calls))
    target.unlink()
    prior_cache.forget(target)
    assert prior_cache.build(target, _trainer(target, b"v2", calls)) == "trained"
    assert calls == [target, target]


def test_the_key_changes_with_the_ml_code_and_the_requirements(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "ml"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "training.py").write_text("EPOCHS = 10\n")
    root = tmp_path / "checkout"
    root.mkdir()
    (root / "requirements.txt").write_text("numpy==2.0\n")
    monkeypatch.setattr(prior_cache, "ml", types.SimpleNamespace(__file__=str(package / "x")))
    monkeypatch.setattr(prior_cache, "ROOT", root)

    def key() -> str:
        prior_cache.recipe_key.cache_clear()
        return prior_cache.recipe_key()

    keys = [key()]
    (package / "training.py").write_text("EPOCHS = 11\n")
    keys.append(key())
    (root / "requirements.txt").write_text("numpy==2.1\n")
    keys.append(key())
    (package / "new.py").write_text("")
    keys.append(key())
    assert len(set(keys)) == 4
    assert key() == keys[-1]  # and the same inputs give the same key


@pytest.mark.db
def test_models_train_on_a_new_checkout_copies_both_priors_from_the_machine(
    cache: Path,
    tmp_path: Path,
    new_database_url: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A checkout whose data folder is empty, on a machine whose cache holds the priors of
    this recipe (here: the session's own), gets their bytes without training."""
    from core.config import get_settings

    session = [
        model_registry.artifact_path(training.PRIOR_VERSION),
        retention_models.artifact_file(retention_models.PRIOR_VERSION),
    ]
    for path in session:
        prior_cache.cached_file(path).parent.mkdir(parents=True, exist_ok=True)
        prior_cache.cached_file(path).write_bytes(path.read_bytes())
    monkeypatch.setenv("PEOPLEOS_DATA_DIR", str(tmp_path / "checkout"))
    get_settings.cache_clear()

    def no_training() -> None:
        raise AssertionError("trained although this machine holds the prior")

    monkeypatch.setattr(training, "train_prior", no_training)
    monkeypatch.setattr(synthetic_retention, "train_prior", no_training)
    model_registry.clear_loaded()
    try:
        fresh = [
            model_registry.artifact_path(training.PRIOR_VERSION),
            retention_models.artifact_file(retention_models.PRIOR_VERSION),
        ]
        assert not any(path.exists() for path in fresh)
        url = new_database_url()
        assert run_cli("db", "upgrade", url=url).returncode == 0
        result = run_cli("models", "train", "--if-missing", url=url)
        assert result.returncode == 0, result.stderr
        copied = f"Models {training.PRIOR_VERSION} copied from this machine's cache of priors"
        assert copied in result.stdout
        for old, new in zip(session, fresh, strict=True):
            assert new.read_bytes() == old.read_bytes()
    finally:
        get_settings.cache_clear()
        model_registry.clear_loaded()
