"""The learning-rate schedule both regimes train with: linear warm-up, then constant or a decay to zero.

>>> [round(lr_at(s, steps=100, lr=1.0, warmup_steps=10, schedule="cosine"), 3) for s in (0, 9, 10, 99)]
[0.1, 1.0, 1.0, 0.0]
"""

import math


def lr_at(step: int, steps: int, lr: float, warmup_steps: int, schedule: str) -> float:
    """Learning rate of 0-based update `step` of `steps`.

    Args:
        step: the update, 0 ≤ step < steps.
        steps: updates in all.
        lr: the peak learning rate, reached at the last warm-up step.
        warmup_steps: linear warm-up from lr/warmup_steps to lr over this many steps.
        schedule: after warm-up, "constant", "linear" (to 0), "cosine" (0.5 (1 + cos πt), the
            replications' reading of "cosine decay") or "cosine_quarter" (cos(πt/2), ARENA's); t goes
            from 0 at the first decay step to 1 at the last.

    Returns:
        The learning rate.
    """
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    span = max(steps - warmup_steps - 1, 1)
    t = min((step - warmup_steps) / span, 1.0)
    factor = {
        "constant": 1.0,
        "linear": 1.0 - t,
        "cosine": 0.5 * (1.0 + math.cos(math.pi * t)),
        "cosine_quarter": math.cos(0.5 * math.pi * t),
    }[schedule]
    return lr * factor
