"""Sparse unit-norm datasets in CSR form: T points never become a dense T × n array.

Point t owns `indices[indptr[t]:indptr[t+1]]` (sorted, distinct feature ids) with `values`
there. Each feature is active with probability 1 - S; active values are U[0, 1]; then the
point is rescaled to unit norm. Points with no active feature stay all-zero (or are redrawn,
see `DataConfig.zero_points`) and are counted in `n_zero_points`.

>>> import numpy as np
>>> ds = sample_dataset(4, DataConfig(n_features=50, sparsity=0.9), np.random.default_rng(0))
>>> ds.n_points, ds.n_features, ds.to_dense().shape
(4, 50, (4, 50))
>>> bool(np.allclose(np.linalg.norm(ds.to_dense(), axis=1)[ds.row_nnz() > 0], 1.0))
True
"""

from dataclasses import dataclass

import numpy as np
from jaxtyping import Float, Int

from glassbox.toy.double_descent.config import DataConfig


@dataclass(frozen=True)
class SparseDataset:
    """T points of n features in CSR form (rows are points)."""

    indptr: Int[np.ndarray, " T_plus_1"]  # int64 row offsets
    indices: Int[np.ndarray, " nnz"]  # int32 feature ids, sorted within each row
    values: Float[np.ndarray, " nnz"]  # float32/float64 values, each row of unit norm
    n_features: int
    n_zero_points: int  # rows with no active feature (kept all-zero)

    @property
    def n_points(self) -> int:
        """T, the number of points."""
        return len(self.indptr) - 1

    def row_nnz(self) -> Int[np.ndarray, " T"]:
        """Active features per point."""
        return np.diff(self.indptr)

    def row_ids(self) -> Int[np.ndarray, " nnz"]:
        """The point each stored value belongs to."""
        return np.repeat(np.arange(self.n_points, dtype=np.int64), self.row_nnz())

    def astype(self, dtype: "np.dtype | str") -> "SparseDataset":
        """Same points with values of another float dtype."""
        return SparseDataset(
            self.indptr,
            self.indices,
            self.values.astype(dtype),
            self.n_features,
            self.n_zero_points,
        )

    def to_dense(self) -> Float[np.ndarray, "T feats"]:
        """Dense copy, for tests and small T only.

        Returns:
            X with one row per point.
        """
        dense = np.zeros((self.n_points, self.n_features), dtype=self.values.dtype)
        dense[self.row_ids(), self.indices] = self.values
        return dense

    def hidden(self, W: Float[np.ndarray, "d_hidden feats"]) -> Float[np.ndarray, "T d_hidden"]:
        """Hidden vectors h_t = W x_t, by gathering the active columns of W.

        Args:
            W: encoder weights.

        Returns:
            One hidden vector per point.
        """
        gathered = W[:, self.indices] * self.values  # [d_hidden, nnz]
        out = np.zeros((self.n_points, W.shape[0]), dtype=np.result_type(W, self.values))
        for k in range(W.shape[0]):
            out[:, k] = np.bincount(self.row_ids(), gathered[k], minlength=self.n_points)
        return out


def _distinct_positions(counts: Int[np.ndarray, " T"], n: int, rng: np.random.Generator) -> Int[np.ndarray, " nnz"]:
    """For row t draw `counts[t]` distinct features uniformly, sorted within each row.

    Draws with replacement and redraws every row that collided (rejection keeps every subset
    of a given size equally likely); with about 10 of 10,000 features, collisions are rare.
    Rows with more than sqrt(n) active features (dense data) are drawn without replacement.
    """
    rows = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    cols = rng.integers(0, n, size=rows.size)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    crowded = np.flatnonzero(counts > np.sqrt(n))
    for t in crowded:
        cols[offsets[t] : offsets[t + 1]] = rng.choice(n, size=counts[t], replace=False)
    while True:
        # rows is sorted, so sorting row * n + col sorts the columns within each row.
        keys = np.sort(rows * n + cols)
        cols = keys - rows * n
        dup = keys[1:] == keys[:-1]
        if not dup.any():
            return cols.astype(np.int32)
        redraw = np.isin(rows, rows[1:][dup])
        cols[redraw] = rng.integers(0, n, size=int(redraw.sum()))


def sample_dataset(n_points: int, data: DataConfig, rng: np.random.Generator, dtype: str = "float32") -> SparseDataset:
    """Draw T unit-norm sparse points.

    Args:
        n_points: T.
        data: the distribution (n, S, what to do with all-zero points).
        rng: source of randomness.
        dtype: float dtype of the values.

    Returns:
        The dataset; `n_zero_points` counts the all-zero points kept.
    """
    n = data.n_features
    counts = rng.binomial(n, 1.0 - data.sparsity, size=n_points)
    if data.zero_points == "resample":
        # A point is all-zero iff its count is 0; redraw those counts, conditioned on >= 1.
        while (zero := counts == 0).any():
            counts[zero] = rng.binomial(n, 1.0 - data.sparsity, size=int(zero.sum()))
    indices = _distinct_positions(counts, n, rng)
    values = rng.uniform(0.0, 1.0, size=indices.size)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    row_ids = np.repeat(np.arange(n_points), counts)
    norms = np.sqrt(np.bincount(row_ids, values * values, minlength=n_points))
    # A point whose draws are all exactly 0.0 has norm 0 too; leave such values as they are.
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    values = values * scale[row_ids]
    n_zero = int((norms == 0).sum())
    return SparseDataset(indptr, indices, values.astype(dtype), n, n_zero)
