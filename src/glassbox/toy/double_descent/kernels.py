"""The CPU kernel: one C loop over (point, feature) pairs that never stores the T × n matrix.

For points t in a row range of a CSR dataset and the tied ReLU-output model it accumulates,
without the 2/T factor (the caller applies it):

    p_t = Wᵀ h_t + b,  y_t = ReLU(p_t),  h_t = W x_t          (x_t sparse)
    g_t = y_t - x_t ⊙ 1[p_t > 0]                               (= dL/dp_t · T/2)
    AW += h_t ⊗ g_t + (W g_t) ⊗ x_t                            (decoder + encoder parts of dL/dW)
    Ab += g_t,  loss += ‖y_t - x_t‖²

The dense part only needs y_t (the x_t term is applied at the ~n(1-S) active features after
the dense sweep), so the sweep over the n features is branch-free and vectorizes. Four rows
share each load of W and b. The source is compiled once per (m, dtype) with the system C
compiler (`cc`, or $CC) into a cache directory and loaded with ctypes, which releases the GIL,
so Python threads can run row ranges in parallel. Without a compiler, `load` raises and the
numpy path is used instead.
"""

import ctypes
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from glassbox.errors import GlassboxError

_BLOCK = r"""
/* Rows [t, t + __R__): hidden vectors, dense sweep, then the sparse corrections. */
static void __NAME__(int64_t t, int64_t n, const int64_t* restrict indptr,
                     const int32_t* restrict indices, const real* restrict values,
                     const real* restrict W, const real* restrict b, real* restrict AW,
                     real* restrict Ab, double* restrict stats, int want_grad) {
  enum { R = __R__ };
  real h[R][M], s[R][M];
  real q = 0;
  for (int r = 0; r < R; r++)
    for (int k = 0; k < M; k++) {
      real acc = 0;
      for (int64_t j = indptr[t + r]; j < indptr[t + r + 1]; j++)
        acc += W[k * n + indices[j]] * values[j];
      h[r][k] = acc;
      s[r][k] = 0;
    }
  if (want_grad) __SWEEP_GRAD__ else __SWEEP_LOSS__
  double cross = 0, xsq = 0;
  for (int r = 0; r < R; r++) {
    for (int64_t j = indptr[t + r]; j < indptr[t + r + 1]; j++) {
      int64_t c = indices[j];
      real x = values[j];
      real p = b[c];
      for (int k = 0; k < M; k++) p += h[r][k] * W[k * n + c];
      xsq += (double)x * x;
      if (p > 0) {
        cross += (double)x * p;
        if (want_grad) {
          Ab[c] -= x;
          for (int k = 0; k < M; k++) {
            AW[k * n + c] -= h[r][k] * x;
            s[r][k] -= W[k * n + c] * x;
          }
        }
      }
    }
    if (want_grad)
      for (int64_t j = indptr[t + r]; j < indptr[t + r + 1]; j++)
        for (int k = 0; k < M; k++) AW[k * n + indices[j]] += s[r][k] * values[j];
  }
  stats[0] += (double)q - 2.0 * cross + xsq;
}
"""


def _sweep(rows: int, m: int, with_grad: bool) -> str:
    """C for the sweep over features, unrolled over rows and m into scalar registers.

    y_r is the only per-(point, feature) value and lives in a register; the compiler
    vectorizes the loop over i only when every accumulator is a plain scalar.
    """
    rr, mm = range(rows), range(m)
    lines = ["{"]
    lines += [f"  real h{r}_{k} = h[{r}][{k}], s{r}_{k} = 0;" for r in rr for k in mm]
    lines += ["  for (int64_t i = 0; i < n; i++) {"]
    lines += [f"    real w{k} = W[{k} * n + i];" for k in mm]
    for r in rr:
        dot = " + ".join(f"h{r}_{k} * w{k}" for k in mm)
        lines += [f"    real y{r} = b[i] + {dot};", f"    y{r} = y{r} > 0 ? y{r} : 0;"]
    lines += ["    q += " + " + ".join(f"y{r} * y{r}" for r in rr) + ";"]
    if with_grad:
        lines += ["    Ab[i] += " + " + ".join(f"y{r}" for r in rr) + ";"]
        for k in mm:
            lines += [f"    AW[{k} * n + i] += " + " + ".join(f"h{r}_{k} * y{r}" for r in rr) + ";"]
            lines += [f"    s{r}_{k} += w{k} * y{r};" for r in rr]
    lines += ["  }"]
    lines += [f"  s[{r}][{k}] = s{r}_{k};" for r in rr for k in mm]
    lines += ["}"]
    return "\n".join(lines)


_ENTRY = r"""
void dd_chunk(int64_t t0, int64_t t1, int64_t n, const int64_t* indptr, const int32_t* indices,
              const real* values, const real* W, const real* b, real* AW, real* Ab,
              double* stats, int want_grad) {
  int64_t t = t0;
  for (; t + RBLOCK <= t1; t += RBLOCK)
    rows_wide(t, n, indptr, indices, values, W, b, AW, Ab, stats, want_grad);
  for (; t < t1; t++)
    rows_one(t, n, indptr, indices, values, W, b, AW, Ab, stats, want_grad);
}
"""


def _block(name: str, rows: int, m: int) -> str:
    return (
        _BLOCK.replace("__NAME__", name)
        .replace("__R__", str(rows))
        .replace("__SWEEP_GRAD__", _sweep(rows, m, True))
        .replace("__SWEEP_LOSS__", _sweep(rows, m, False))
    )


def _source(m: int, real: str) -> str:
    # Four rows share each load of W and b while registers allow it (small m).
    rows = 4 if m <= 4 else (2 if m <= 8 else 1)
    return "\n".join(
        [
            "#include <stdint.h>",
            f"typedef {real} real;",
            f"#define M {m}",
            f"#define RBLOCK {rows}",
            _block("rows_wide", rows, m),
            _block("rows_one", 1, m),
            _ENTRY,
        ]
    )


_FLAGS = [
    "-O3",
    "-march=native",
    "-fPIC",
    "-shared",
    # Reassociation lets the float reductions over features vectorize; nothing here relies
    # on signed zeros, traps or errno.
    "-fno-math-errno",
    "-fno-trapping-math",
    "-fassociative-math",
    "-fno-signed-zeros",
]
_LOADED: "dict[tuple[int, str], ctypes.CDLL]" = {}


def _cpu_tag() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if "flags" in line)
    except (OSError, StopIteration):
        flags = platform.processor()
    return flags


def _cache_dir() -> Path:
    root = os.environ.get("GLASSBOX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "glassbox"
    )
    return Path(root) / "dd_kernels"


def _compile(source: str, compiler: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        src, out = Path(tmp) / "dd.c", Path(tmp) / "dd.so"
        src.write_text(source)
        subprocess.run([compiler, *_FLAGS, str(src), "-o", str(out)], check=True, capture_output=True, text=True)
        os.replace(out, path)  # atomic: concurrent processes never load a partial file


def load(m: int, dtype: str = "float32") -> ctypes.CDLL:
    """Compile (once, cached on disk) and load the kernel for hidden size m.

    Args:
        m: hidden dimensions; the loops over m are unrolled at compile time.
        dtype: "float32" or "float64".

    Returns:
        The loaded library, whose `dd_chunk` has argtypes set.

    Raises:
        GlassboxError: when no C compiler is available or compilation fails.
    """
    key = (m, dtype)
    if key in _LOADED:
        return _LOADED[key]
    real = {"float32": "float", "float64": "double"}[dtype]
    source = _source(m, real)
    compiler = os.environ.get("CC", "cc")
    tag = hashlib.sha256("\n".join([source, compiler, *_FLAGS, _cpu_tag(), sys.platform]).encode()).hexdigest()[:16]
    path = _cache_dir() / f"dd_m{m}_{dtype}_{tag}.so"
    if not path.exists():
        try:
            _compile(source, compiler, path)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise GlassboxError(f"cannot compile the C kernel into {path} with {compiler!r}: {detail}") from exc
    lib = ctypes.CDLL(str(path))
    # Arrays go in as raw addresses (the caller keeps them alive and C-contiguous): checking
    # eight ndpointer arguments would cost more than a small-T step itself.
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    lib.dd_chunk.restype = None
    lib.dd_chunk.argtypes = [i64, i64, i64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ctypes.c_int]
    _LOADED[key] = lib
    return lib


def available(m: int = 2, dtype: str = "float32") -> bool:
    """Whether the C kernel can be compiled and loaded here.

    >>> isinstance(available(), bool)
    True
    """
    try:
        load(m, dtype)
    except GlassboxError:
        return False
    return True
