"""The PyTorch transformer (hooked, TransformerLens names) and the CompiledModel wrapper."""
