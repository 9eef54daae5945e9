"""Walking a RASP program: linear-time post-order traversal and deterministic labels.

A program is a DAG; shared sub-expressions are visited once (tracr re-expands them, which is
exponential in the number of shared "diamonds"). Labels are assigned here, per program, from
names and the traversal order alone, so they never depend on what else the process built.
"""

from collections.abc import Collection, Iterator

from glassbox.rasp.core import RASPExpr
from glassbox.rasp.sops import PRIMITIVES


def walk(root: RASPExpr) -> list[RASPExpr]:
    """All distinct nodes reachable from `root`, children before parents (post-order).

    Children are visited in argument order; each node appears once (identity).
    Iterative, so deep programs do not hit Python's recursion limit.

    >>> from glassbox.rasp import sops
    >>> [n.name for n in walk(sops.Map(lambda x: x, sops.tokens))]
    ['tokens', 'map']
    """
    order: list[RASPExpr] = []
    seen: set[int] = set()
    stack: list[tuple[RASPExpr, Iterator[RASPExpr]]] = [(root, iter(root.children))]
    seen.add(id(root))
    while stack:
        node, pending = stack[-1]
        child = next(pending, None)
        if child is None:
            stack.pop()
            order.append(node)
        elif id(child) not in seen:
            seen.add(id(child))
            stack.append((child, iter(child.children)))
    return order


def labels(root: RASPExpr, reserved: Collection[str] = (), reserved_suffixes: tuple[str, ...] = ()
           ) -> dict[RASPExpr, str]:
    """Deterministic, unique labels for every node of the program rooted at `root`.

    A node gets its name if no earlier node (in `walk` order) took it, else `name_1`,
    `name_2`, ... (the first free one). The primitives tokens, indices and length are one
    variable each however often they are copied or annotated, so they keep their names
    (and a name of a primitive the program uses is never given to another node).

    Args:
        root: the program.
        reserved: names no non-primitive node may take (the compiler passes its own direction
            names, such as `one`, so a user SOp named "one" becomes `one_1`).
        reserved_suffixes: endings no non-primitive label may have (the compiler's derived
            directions, such as `<label>.categorical`).

    >>> from glassbox.rasp import sops
    >>> a = sops.Map(lambda x: x, sops.tokens)
    >>> b = sops.Map(lambda x: x, sops.tokens)
    >>> sorted(labels(sops.SequenceMap(lambda x, y: x, a, b)).values())
    ['map', 'map_1', 'sequence_map', 'tokens']
    """
    taken: set[str] = set()
    # Per name, the last suffix tried. Labels are never released, so every smaller suffix is
    # already taken and the search resumes here: linear overall, not quadratic in repeats.
    last_suffix: dict[str, int] = {}
    out: dict[RASPExpr, str] = {}
    nodes = walk(root)
    # A primitive's name is reserved only where the primitive is used, so a program built with
    # make_length() keeps the label "length" unless it also reads the `length` primitive.
    blocked = set(reserved) | {node.base_name for node in nodes if isinstance(node, PRIMITIVES)}
    for node in nodes:
        if isinstance(node, PRIMITIVES):
            out[node] = node.base_name
            taken.add(node.base_name)
            continue
        label, suffix = node.name, last_suffix.get(node.name, 0)
        if suffix:
            label = f"{node.name}_{suffix}"
        while label in taken or label in blocked or label.endswith(reserved_suffixes):
            suffix += 1
            label = f"{node.name}_{suffix}"
        last_suffix[node.name] = suffix
        taken.add(label)
        out[node] = label
    return out

