"""The overall fit model: an XGBoost + PyTorch MLP ensemble with exact additive explanations.

Output space: the ensemble's *logit* (log-odds of a successful hire),

    f(x) = (1 - w) * xgb_margin(x) + w * mlp_logit(x)

and the fit score is ``100 * sigmoid(f(x))``. Explanations live in the same logit space:

- the trees: XGBoost's own TreeSHAP (``pred_contribs``);
- the MLP: DeepSHAP, i.e. DeepLIFT's rescale rule averaged over a background that k-means
  summarises to a few weighted centroids. For a ReLU network the rescale rule is exact:
  contributions sum to ``f(x) - f(reference)`` for every reference, so the weighted average
  sums to ``f(x) - E_background[f]``.

Combined with the same weights, ``base_value + values.sum(axis=1) == f(x)`` for every row
(to float32 rounding of the trees, ~1e-5). The MLP is trained with torch and served from
its weights in float64 numpy: the same arithmetic, no torch dispatch per call, and exact
enough that additivity holds to 1e-9 on the MLP side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans

_CHUNK = 8192  # rows per explanation batch: bounds memory at ~rows x refs x hidden floats


@dataclass(frozen=True)
class Explanation:
    """Additive attributions in the model's logit space, one row per candidate."""

    feature_names: list[str]
    base_value: float
    values: np.ndarray  # (n, p)
    output: np.ndarray  # (n,): base_value + values.sum(1)

    def grouped(self, groups: dict[str, str]) -> pd.DataFrame:
        """Attributions summed per group (e.g. per fit dimension), one column per group."""
        frame = pd.DataFrame(self.values, columns=self.feature_names)
        return frame.T.groupby([groups.get(f, f) for f in self.feature_names], sort=False).sum().T


class ReluMLP:
    """A trained ReLU MLP served from float64 weights, with a DeepLIFT (rescale) explainer.

    ``weights[i]`` has shape (out, in); the input is standardised by ``mean``/``scale``,
    which is folded into the first layer so explanations are in raw feature units.
    """

    def __init__(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        mean: np.ndarray,
        scale: np.ndarray,
    ) -> None:
        w0 = weights[0] / scale  # fold standardisation: W (x - m) / s = (W / s) x - (W / s) m
        b0 = biases[0] - w0 @ mean
        self.weights = [w0, *weights[1:]]
        self.biases = [b0, *biases[1:]]

    def _layers(self, X: np.ndarray) -> list[np.ndarray]:
        """Pre-activations of every layer for rows ``X`` (the last is the logit)."""
        out, h = [], X
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = h @ w.T + b
            out.append(z)
            h = np.maximum(z, 0.0) if i < len(self.weights) - 1 else z
        return out

    def logit(self, X: np.ndarray) -> np.ndarray:
        return self._layers(np.asarray(X, dtype=np.float64))[-1][:, 0]

    def deeplift(
        self, X: np.ndarray, references: np.ndarray, ref_weights: np.ndarray
    ) -> tuple[np.ndarray, float]:
        """Rescale-rule attributions of ``X`` against weighted references, and the base."""
        X = np.asarray(X, dtype=np.float64)
        ref_layers = self._layers(references)
        base = float(ref_weights @ ref_layers[-1][:, 0])
        phi = np.zeros_like(X)
        k = len(references)
        for start in range(0, len(X), _CHUNK):
            x = X[start : start + _CHUNK]
            layers = self._layers(x)
            # Multipliers of the output w.r.t. each hidden unit, per (row, reference) pair,
            # walked back from the logit: rescale rule m = Δrelu(z) / Δz at every ReLU.
            mult = np.broadcast_to(self.weights[-1][0], (len(x), k, self.weights[-1].shape[1]))
            for i in range(len(self.weights) - 2, -1, -1):
                z, zr = layers[i][:, None, :], ref_layers[i][None, :, :]
                dz = z - zr
                tiny = np.abs(dz) < 1e-9
                ratio = (np.maximum(z, 0) - np.maximum(zr, 0)) / np.where(tiny, 1.0, dz)
                ratio = np.where(tiny, (z > 0).astype(float), ratio)
                mult = (mult * ratio) @ self.weights[i]
            contributions = mult * (x[:, None, :] - references[None, :, :])
            phi[start : start + _CHUNK] = np.einsum("nkp,k->np", contributions, ref_weights)
        return phi, base


class FitEnsemble(ClassifierMixin, BaseEstimator):
    """XGBoost + a small ReLU MLP, averaged in logit space, explained exactly.

    Parameters follow scikit-learn conventions; ``fit`` takes a DataFrame whose columns
    are the features (their order is kept in ``feature_names_in_``).
    """

    def __init__(
        self,
        n_estimators: int = 300,
        max_depth: int = 4,
        learning_rate: float = 0.05,
        hidden: tuple[int, ...] = (32, 16),
        epochs: int = 40,
        mlp_weight: float = 0.5,
        background_size: int = 8,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.hidden = hidden
        self.epochs = epochs
        self.mlp_weight = mlp_weight
        self.background_size = background_size
        self.random_state = random_state

    # ----- training
    def fit(self, X: pd.DataFrame, y: np.ndarray) -> FitEnsemble:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        data = X.to_numpy(dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.classes_ = np.array([0, 1])
        self.booster_ = xgb.train(
            {
                "objective": "binary:logistic",
                "max_depth": self.max_depth,
                "eta": self.learning_rate,
                "subsample": 0.8,
                "min_child_weight": 5,
                "tree_method": "hist",
                "seed": self.random_state,
                "nthread": 2,
            },
            xgb.DMatrix(data, label=y, feature_names=list(self.feature_names_in_)),
            num_boost_round=self.n_estimators,
        )
        self.mlp_ = self._train_mlp(data, y)
        km = KMeans(self.background_size, n_init=4, random_state=self.random_state).fit(
            (data - data.mean(0)) / data.std(0).clip(1e-9)
        )
        self.background_ = km.cluster_centers_ * data.std(0).clip(1e-9) + data.mean(0)
        counts = np.bincount(km.labels_, minlength=self.background_size).astype(float)
        self.background_weights_ = counts / counts.sum()
        return self

    def _train_mlp(self, data: np.ndarray, y: np.ndarray) -> ReluMLP:
        import torch  # imported here: scoring never needs torch, only training does

        torch.manual_seed(self.random_state)
        mean, scale = data.mean(0), data.std(0).clip(1e-9)
        sizes = [data.shape[1], *self.hidden, 1]
        layers: list[torch.nn.Module] = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        net = torch.nn.Sequential(*layers)
        inputs = torch.tensor((data - mean) / scale, dtype=torch.float32)
        target = torch.tensor(y, dtype=torch.float32)
        optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        generator = torch.Generator().manual_seed(self.random_state)
        for _ in range(self.epochs):
            order = torch.randperm(len(inputs), generator=generator)
            for start in range(0, len(inputs), 256):
                batch = order[start : start + 256]
                optimiser.zero_grad()
                loss = loss_fn(net(inputs[batch])[:, 0], target[batch])
                loss.backward()
                optimiser.step()
        linear = [m for m in net if isinstance(m, torch.nn.Linear)]
        return ReluMLP(
            [m.weight.detach().double().numpy().copy() for m in linear],
            [m.bias.detach().double().numpy().copy() for m in linear],
            mean,
            scale,
        )

    # ----- scoring
    def _matrix(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            X = X[list(self.feature_names_in_)]
        return np.ascontiguousarray(np.asarray(X, dtype=np.float64))

    def tree_margin(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        data = self._matrix(X)
        return self.booster_.inplace_predict(data, predict_type="margin").astype(np.float64)

    def decision_function(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The ensemble logit f(x)."""
        data = self._matrix(X)
        w = self.mlp_weight
        return (1 - w) * self.tree_margin(data) + w * self.mlp_.logit(data)

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        return (self.decision_function(X) >= 0).astype(int)

    def member_probabilities(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """(n, 2) success probabilities of the trees and of the MLP: the members whose
        agreement is the fit's confidence (``core.services.scoring.CONFIDENCE``)."""
        data = self._matrix(X)
        return np.column_stack([expit(self.tree_margin(data)), expit(self.mlp_.logit(data))])

    # ----- explanation
    def explain(self, X: pd.DataFrame | np.ndarray) -> Explanation:
        """SHAP values of the ensemble logit: TreeSHAP for the trees, DeepSHAP for the MLP."""
        data = self._matrix(X)
        w = self.mlp_weight
        contribs = self.booster_.predict(
            xgb.DMatrix(data, feature_names=list(self.feature_names_in_)),
            pred_contribs=True,
        ).astype(np.float64)
        phi_mlp, base_mlp = self.mlp_.deeplift(data, self.background_, self.background_weights_)
        values = (1 - w) * contribs[:, :-1] + w * phi_mlp
        # The bias column is the trees' expected value, the same for every row.
        base = (1 - w) * float(contribs[0, -1]) + w * base_mlp if len(data) else 0.0
        return Explanation(list(self.feature_names_in_), base, values, base + values.sum(axis=1))
