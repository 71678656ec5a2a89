"""Interactive Brokers (TWS / IB Gateway) through ib_async: the only package that imports it.

:class:`IBBroker` implements the Broker port. Translation between ib_async objects and domain
types lives in the pure functions of :mod:`.mapping`; IB's message codes in :mod:`.errors`.
"""
