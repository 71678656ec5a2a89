"""Dialogs: settings, keyboard shortcuts."""
