"""Option maths shared by the core: Black–Scholes, named strategies and combo payoff analysis.

No Qt and no broker library; the simulator quotes its chains with :mod:`.pricing` and the
strategy builder values combos with :mod:`.analysis`, so both use one model.
"""
