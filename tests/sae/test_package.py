"""The public surface: every exported name resolves, and importing the package stays cheap."""

import subprocess
import sys

import glassbox.sae as sae


def test_every_exported_name_resolves():
    for name in sae.__all__:
        assert getattr(sae, name) is not None, name


def test_import_does_not_load_torch_or_scipy():
    code = "import sys, glassbox.sae; print(sorted(m for m in ('torch', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
