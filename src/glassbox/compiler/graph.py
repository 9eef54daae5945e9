"""RASP program → `Graph`: its distinct nodes in post-order, each with a deterministic label.

The compiler's own residual directions (`one`, `tokens:*`, `indices:*`, `<label>.categorical`,
`<label>.bos_weight`, `<label>.count`, `<label>.count.scaled`) are reserved, so no user name can collide
with them: a user SOp named "one" is labelled `one_1`.
"""

from glassbox import rasp
from glassbox.compiler.nodes import Graph
from glassbox.craft import bases

RESERVED = (bases.ONE, bases.TOKENS, bases.INDICES)
VIEW_SUFFIX = ".categorical"  # the implicit categorical copy of a numerical SOp
WIDTH_SCRATCH_SUFFIX = ".bos_weight"  # a SelectorWidth's BOS attention weight
COUNT_SUFFIX = ".count"  # a sum Aggregate's internal op: its selection count, one-hot
SCALED_SUFFIX = ".scaled"  # ... and the scaled sum s/(w+1) its head reads (after COUNT_SUFFIX)
JOINT_SUFFIX = ".joint"  # the one-hot tuple of several SOps' values (a composite selector's feature)
RESERVED_SUFFIXES = (VIEW_SUFFIX, WIDTH_SCRATCH_SUFFIX, COUNT_SUFFIX, SCALED_SUFFIX, JOINT_SUFFIX)


def build(program: rasp.SOp) -> Graph:
    """The program's DAG (shared sub-expressions once), labelled."""
    nodes = tuple(rasp.walk(program))
    return Graph(program, nodes, rasp.labels(program, reserved=RESERVED, reserved_suffixes=RESERVED_SUFFIXES))
