"""Desk mode: several terminals on one PostgreSQL database (docs/desk-mode.md).

users (roles, Argon2id password hashes), policy (four-eyes), gate (what the signed-in user may
do, as the order path asks), listener (LISTEN/NOTIFY off the GUI thread), sync (what another
terminal changed, applied through the one write path), admin (the ``desk`` commands).
"""
