"""The intermediate representation: named residual directions, linear features, blocks with numpy apply()."""
