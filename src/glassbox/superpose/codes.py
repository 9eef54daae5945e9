"""Codes P: d_model → d, and the width-d model that reads and writes through one.

A code gives each residual direction i of a compiled model (one variable value, `sort:3`) a vector
p_i ∈ R^d, the rows of P [D, d]. The superposed model writes `r = h P` and every reader sees
`ĥ = r Pᵀ` (a tied code), so ĥ_i = Σ_j h_j ⟨p_j, p_i⟩: the value itself scaled by ‖p_i‖², plus
interference from every other live value. As a toy model of superposition, W = Pᵀ [d_hidden = d,
feats = D]. (A code may also read back through its own `read` matrix: the weighted analytic code.)

* `random_code`: d columns of a seeded random rotation of R^D, each row then scaled to unit norm.
  At d = D it is a rotation (the model is exact); below, a Johnson–Lindenstrauss-style projection.
* `analytic_code`: the closed-form optimum of a *linear* code (the toy paper's "linear models do
  PCA"): the top-d eigenvectors of the importance-weighted second moment of the residual states
  on sample inputs. Exact once d reaches their rank; below it, it deletes the weakest directions.
* `learned` codes are trained with the compiled weights frozen: `glassbox.superpose.learn`.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from glassbox.model.compiled import CompiledModel
from glassbox.superpose import weights as weights_mod

CodeKind = Literal["random", "analytic", "learned"]
CODES: tuple[CodeKind, ...] = ("random", "analytic", "learned")


@dataclasses.dataclass(frozen=True)
class Code:
    """A code: one row per source residual direction.

    Attributes:
        matrix: P [D, d]: the write map, row i the vector of feature i.
        labels: the D source residual labels (the features).
        kind: how it was made.
        read: [d, D], how readers map the residual back (default Pᵀ: a tied code).
    """

    matrix: np.ndarray
    labels: tuple[str, ...]
    kind: CodeKind
    read: "np.ndarray | None" = None

    @property
    def width(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def read_map(self) -> np.ndarray:
        return self.matrix.T if self.read is None else self.read

    def W(self) -> np.ndarray:
        """The toy-model weights W = Pᵀ [d_hidden, feats]: column i is feature i's vector."""
        return self.matrix.T


@dataclasses.dataclass(frozen=True)
class Superposed:
    """A compiled model pushed into width d through a code.

    Attributes:
        model: a real CompiledModel of width d (`residual_labels` c0 … c{d-1}); its circuit map
            reads each variable through the code.
        source: the model it came from.
        code: P.
    """

    model: CompiledModel
    source: CompiledModel
    code: Code


def apply_code(model: CompiledModel, code: Code) -> Superposed:
    """The width-d model writing through P and reading through Pᵀ (every block, embedding, unembedding)."""
    if code.labels != tuple(model.residual_labels):
        raise ValueError("the code's features are not this model's residual labels")
    folded = weights_mod.fold(weights_mod.weights_of(model), code.read_map, code.matrix)
    labels = [f"c{k}" for k in range(code.width)]
    circuit = weights_mod.map_reads(model.circuit, model.residual_labels, code.read_map, labels)
    return Superposed(weights_mod.rebuild(model, folded, labels, circuit), model, code)


def random_code(model: CompiledModel, width: int, seed: int = 0) -> Code:
    """d columns of a random rotation, rows scaled to unit norm (exact at width = d_model)."""
    D = model.config.d_model
    _check_width(width, D)
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((D, D)))
    q = q * np.sign(np.diag(r))  # Haar-distributed rotation
    P = q[:, :width]
    norms = np.linalg.norm(P, axis=1, keepdims=True)
    return Code(P / np.where(norms > 0, norms, 1.0), tuple(model.residual_labels), "random")


def analytic_code(model: CompiledModel, width: int, states: np.ndarray,
                  importance: "np.ndarray | None" = None) -> Code:
    """The best linear code for these residual states (importance-weighted PCA).

    Args:
        model: the source model.
        width: d.
        states: [n, D] residual vectors of the source model (every stage, every real position).
        importance: per direction weight (default 1): the reconstruction error each direction costs.
    """
    D = model.config.d_model
    _check_width(width, D)
    s = np.sqrt(importance) if importance is not None else np.ones(D)
    if np.any(s <= 0):
        from glassbox.errors import ConfigError

        raise ConfigError("importance must be positive for every residual direction")
    weighted = states * s  # g = h S: the error Σ I_i (ĥ_i - h_i)² is plain squared error in g
    eigvals, eigvecs = np.linalg.eigh(weighted.T @ weighted)
    Q = eigvecs[:, np.argsort(eigvals)[::-1][:width]]  # orthonormal [D, d]: ĝ = g Q Qᵀ is optimal
    if importance is None:
        return Code(Q, tuple(model.residual_labels), "analytic")
    return Code(s[:, None] * Q, tuple(model.residual_labels), "analytic", read=Q.T / s[None, :])


def importance_vector(labels: Sequence[str], importance: "Mapping[str, float] | None") -> np.ndarray:
    """Per residual label, the weight of the variable it belongs to (`name` before `:`; default 1)."""
    weights = dict(importance or {})
    return np.array([weights.get(label.split(":", 1)[0], weights.get(label, 1.0)) for label in labels])


def _check_width(width: int, d_model: int) -> None:
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= d_model:
        from glassbox.errors import ConfigError

        raise ConfigError(f"width must be an integer in 1..{d_model} (the model's d_model), got {width!r}")
