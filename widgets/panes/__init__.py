"""The window's panes. Each is a :class:`~widgets.panes.base.Pane` built from a Session."""
