"""Translation between ib_async objects and domain types: pure functions, no I/O, no state.

The functions live in small modules by subject and are all importable from here: values and
sentinels (:mod:`.mapping_values`), contracts (:mod:`.mapping_contracts`), typed symbols
(:mod:`.mapping_symbols`), market data (:mod:`.mapping_market`), history requests
(:mod:`.mapping_history`), orders and fills (:mod:`.mapping_orders`), combos' BAG contracts
(:mod:`.mapping_combos`), positions and account values (:mod:`.mapping_account`).
"""

from __future__ import annotations

from terminal.broker.ib.mapping_account import account_from_values, position_from_ib
from terminal.broker.ib.mapping_combos import (
    bag_contract,
    combo_routing_params,
    is_bag_execution,
    is_guaranteed,
)
from terminal.broker.ib.mapping_contracts import (
    chain_params_from,
    contract_for,
    instrument_from_contract,
    instrument_from_details,
    option_contract,
    standard_trading_class,
)
from terminal.broker.ib.mapping_history import history_request
from terminal.broker.ib.mapping_market import (
    bar_from_ib,
    depth_from_ticker,
    option_quote_from_ticker,
    quote_from_ticker,
    trade_from_ticker,
)
from terminal.broker.ib.mapping_orders import (
    fill_from_ib,
    ib_float,
    ib_order_for,
    status_from_ib,
    status_update,
)
from terminal.broker.ib.mapping_symbols import parse_symbol
from terminal.broker.ib.mapping_values import (
    UNSET_DOUBLE,
    UNSET_INTEGER,
    clean_float,
    clean_price,
    clean_size,
    decimal_or_none,
    finite_or_nan,
    utc_or_none,
)

__all__ = [
    "UNSET_DOUBLE",
    "UNSET_INTEGER",
    "account_from_values",
    "bag_contract",
    "bar_from_ib",
    "chain_params_from",
    "clean_float",
    "clean_price",
    "clean_size",
    "combo_routing_params",
    "contract_for",
    "decimal_or_none",
    "depth_from_ticker",
    "fill_from_ib",
    "finite_or_nan",
    "history_request",
    "ib_float",
    "ib_order_for",
    "instrument_from_contract",
    "instrument_from_details",
    "is_bag_execution",
    "is_guaranteed",
    "option_contract",
    "option_quote_from_ticker",
    "parse_symbol",
    "position_from_ib",
    "quote_from_ticker",
    "standard_trading_class",
    "status_from_ib",
    "status_update",
    "trade_from_ticker",
    "utc_or_none",
]
