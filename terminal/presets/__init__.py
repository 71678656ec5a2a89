"""Order presets: named order templates per instrument or asset class (see model.py)."""
