"""Taking compiled models elsewhere: the safetensors artifact, TransformerLens and ONNX exports.

Submodules import torch (and the optional TransformerLens / ONNX packages) only when used:

- `values_json`: a typed JSON encoding of Python values that round-trips exactly.
- `artifact`: `save(model, dir)` / `load(dir)` (`model.safetensors` + `glassbox.json`, no pickle).
- `transformer_lens`: `to_transformer_lens(model)`, `save_transformer_lens`, `load_transformer_lens`.
- `onnx`: `to_onnx(model, path)`.
"""
