"""Hand-built weight factories, one family per module. Each returns IR pieces over named directions."""
