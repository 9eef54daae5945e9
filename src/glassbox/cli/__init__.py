"""The `glassbox` command: thin wrappers over the library, one module per verb group."""
