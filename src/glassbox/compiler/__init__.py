"""The RASP compiler: graph → value sets → validation → lowering to IR → schedule → assembly."""
