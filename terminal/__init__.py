"""Trading terminal core: domain, services, broker adapters, persistence. No Qt here."""

__version__ = "0.1.0"
