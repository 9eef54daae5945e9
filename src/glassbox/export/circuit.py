"""The ground-truth circuit as JSON: `glassbox export --to circuit` (see `glassbox.inspect.circuit_graph`).

The file holds the nodes (`[hook name, head index or null]`), the edges with the inputs they reach and
the residual dimensions that connect them, the same edges as a plain list of `[from, to]` pairs (the
shape circuit benchmarks ship), and per RASP expression its kind, encoding, values (typed JSON, see
`values_json`), the nodes that write it, its residual directions and how each value is read.
"""

import json
import os
import pathlib
from typing import Any

from glassbox.errors import ArtifactError
from glassbox.export import values_json
from glassbox.inspect.circuit_graph import CircuitGraph

FORMAT = "glassbox-circuit"
FORMAT_VERSION = 1


def to_json(graph: CircuitGraph) -> dict[str, Any]:
    """The JSON-ready form of `graph`."""
    enc = values_json.encode
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "program": graph.program,
        "nodes": [{"node": list(n), "writes": list(graph.writes.get(n, ()))} for n in graph.nodes],
        "edges": [{"from": list(e.sender), "to": list(e.receiver), "inputs": list(e.inputs),
                   "residual": list(e.residual)} for e in graph.edges],
        "edge_list": [[list(a), list(b)] for a, b in graph.edge_list()],
        "expressions": [{
            "label": x.label, "kind": x.kind, "encoding": x.encoding.value,
            "values": None if x.values is None else [enc(v) for v in x.values],
            "children": list(x.children), "nodes": [list(n) for n in x.nodes], "residual": list(x.residual),
            "read": [[enc(v), dict(coefs)] for v, coefs in x.read],
        } for x in graph.expressions],
    }


def save(graph: CircuitGraph, path: "str | os.PathLike") -> pathlib.Path:
    """Write `graph` as JSON to `path` (a file; its folder is created if needed).

    Raises:
        ArtifactError: if `path` is a folder.
    """
    out = pathlib.Path(path)
    if out.is_dir():
        raise ArtifactError(f"{out}: is a folder; give the .json file to write, e.g. {out / 'circuit.json'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(to_json(graph), indent=1, allow_nan=False, ensure_ascii=False) + "\n", encoding="utf-8")
    return out
