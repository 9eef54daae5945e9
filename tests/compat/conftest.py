"""The tracr-style modules import `tracr`, which exists only once the aliases are installed: not collected."""

collect_ignore_glob = ["tracr_style/*.py"]
