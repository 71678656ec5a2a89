"""Instruments <-> IB contracts, details, option chains and what a trader types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ib_async import Contract, ContractDetails, OptionChain

from terminal.broker.ib.mapping import (
    UNSET_DOUBLE,
    chain_params_from,
    contract_for,
    instrument_from_contract,
    instrument_from_details,
    option_contract,
    parse_symbol,
)
from terminal.domain import AssetClass, Instrument, OptionRight, UnknownInstrument

EXPIRY = dt.date(2026, 12, 18)
AAPL = Instrument.stock("AAPL")


def details_for(contract: Contract, **fields: object) -> ContractDetails:
    """What IB answers when ``contract`` is qualified (IB fills in conId and the rest)."""
    answered = Contract(**{**vars(contract), "conId": 4242})
    return ContractDetails(contract=answered, **fields)  # type: ignore[arg-type]


# -- contract_for ------------------------------------------------------------------------------


@pytest.mark.parametrize("etf", [False, True])
def test_stocks_and_etfs_are_smart_routed_without_primary_exchange(etf: bool) -> None:
    contract = contract_for(Instrument.stock("SPY", etf=etf, currency="USD"))
    assert (contract.secType, contract.symbol, contract.exchange) == ("STK", "SPY", "SMART")
    assert contract.currency == "USD"
    assert contract.primaryExchange == ""


def test_an_option_contract_names_expiry_strike_right_and_multiplier() -> None:
    put = Instrument.option("AAPL", EXPIRY, Decimal("7.5"), OptionRight.PUT)
    contract = contract_for(put)
    assert contract.secType == "OPT"
    assert contract.symbol == "AAPL"
    assert contract.lastTradeDateOrContractMonth == "20261218"
    assert contract.strike == 7.5
    assert contract.right == "P"
    assert contract.multiplier == "100"
    assert (contract.exchange, contract.currency) == ("SMART", "USD")
    assert contract.tradingClass == ""  # ambiguity is reported by IB, never guessed


def test_an_index_keeps_its_listing_exchange() -> None:
    spx = Instrument("SPX", AssetClass.INDEX, exchange="CBOE")
    contract = contract_for(spx)
    assert (contract.secType, contract.symbol, contract.exchange) == ("IND", "SPX", "CBOE")
    with pytest.raises(UnknownInstrument, match="listing exchange"):
        contract_for(Instrument("SPX", AssetClass.INDEX))


def test_an_index_survives_contract_and_details() -> None:
    spx = Instrument("SPX", AssetClass.INDEX, exchange="CBOE", description="S&P 500")
    back = instrument_from_details(details_for(contract_for(spx), longName="S&P 500"))
    assert back == spx


def test_option_contract_pins_the_standard_trading_class() -> None:
    contract = option_contract(AAPL, EXPIRY, 152.5, OptionRight.CALL)
    assert contract.secType == "OPT"
    assert contract.lastTradeDateOrContractMonth == "20261218"
    assert (contract.strike, contract.right, contract.multiplier) == (152.5, "C", "100")
    assert contract.tradingClass == "AAPL"
    assert (
        option_contract(Instrument.stock("BRK B"), EXPIRY, 500.0, OptionRight.PUT).tradingClass
        == "BRKB"
    )


# -- instrument_from_details -------------------------------------------------------------------


def test_a_stock_from_details_takes_tick_name_and_currency() -> None:
    details = details_for(
        contract_for(AAPL), minTick=0.01, longName="APPLE INC", stockType="COMMON"
    )
    instrument = instrument_from_details(details)
    assert instrument == Instrument.stock(
        "AAPL", tick_size=Decimal("0.01"), description="APPLE INC", currency="USD"
    )


def test_an_etf_is_known_by_its_stock_type() -> None:
    details = details_for(contract_for(Instrument.stock("SPY")), stockType="ETF", minTick=0.01)
    assert instrument_from_details(details).asset_class is AssetClass.ETF


@pytest.mark.parametrize("min_tick", [0.0, -1.0, UNSET_DOUBLE, float("nan")])
def test_a_missing_min_tick_means_a_cent(min_tick: float) -> None:
    details = details_for(contract_for(AAPL), minTick=min_tick)
    assert instrument_from_details(details).tick_size == Decimal("0.01")


def test_a_sub_penny_min_tick_is_kept_exactly() -> None:
    details = details_for(contract_for(Instrument.stock("SIRI")), minTick=0.0001)
    assert instrument_from_details(details).tick_size == Decimal("0.0001")


@pytest.mark.parametrize(
    ("last_trade", "right", "multiplier"),
    [
        ("20261218", "C", "100"),
        ("20261218 16:00:00 US/Eastern", "CALL", "100"),
        ("20261218", "c", ""),  # no multiplier: the US standard
    ],
)
def test_an_option_from_details(last_trade: str, right: str, multiplier: str) -> None:
    contract = Contract(
        secType="OPT",
        symbol="AAPL",
        lastTradeDateOrContractMonth=last_trade,
        strike=150.0,
        right=right,
        multiplier=multiplier,
        exchange="SMART",
        currency="USD",
        localSymbol="AAPL  261218C00150000",
    )
    instrument = instrument_from_details(ContractDetails(contract=contract, minTick=0.05))
    assert instrument.key == "AAPL 20261218 C 150"
    assert instrument.multiplier == 100
    assert instrument.tick_size == Decimal("0.05")
    assert instrument.exchange == "SMART"


def test_a_contract_month_falls_back_to_the_real_expiration_date() -> None:
    contract = Contract(
        secType="OPT", symbol="AAPL", lastTradeDateOrContractMonth="202612", strike=150.0, right="P"
    )
    details = ContractDetails(contract=contract, realExpirationDate="20261218")
    assert instrument_from_details(details).key == "AAPL 20261218 P 150"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"secType": "FUT", "symbol": "ES"}, "FUT is not supported"),
        ({"secType": "", "symbol": "XYZ"}, r"\(none\) is not supported"),
        ({"secType": "OPT", "symbol": "AAPL", "strike": 150.0, "right": "C"}, "expiry"),
        (
            {
                "secType": "OPT",
                "symbol": "AAPL",
                "lastTradeDateOrContractMonth": "20261218",
                "right": "C",
            },
            "strike",
        ),
        (
            {
                "secType": "OPT",
                "symbol": "AAPL",
                "lastTradeDateOrContractMonth": "20261218",
                "strike": 1.0,
            },
            "right",
        ),
    ],
)
def test_unreadable_details_are_refused_with_a_reason(
    fields: dict[str, object], message: str
) -> None:
    details = ContractDetails(contract=Contract(**fields))  # type: ignore[arg-type]
    with pytest.raises(UnknownInstrument, match=message):
        instrument_from_details(details)


def test_details_without_a_contract_are_refused() -> None:
    with pytest.raises(UnknownInstrument):
        instrument_from_details(ContractDetails())


def test_a_position_contract_without_details_becomes_an_instrument() -> None:
    contract = Contract(
        secType="OPT",
        conId=1,
        symbol="MSFT",
        lastTradeDateOrContractMonth="20270115",
        strike=420.0,
        right="P",
        multiplier="100",
        currency="USD",
    )
    assert instrument_from_contract(contract).key == "MSFT 20270115 P 420"


# -- round trips -------------------------------------------------------------------------------

symbols = st.from_regex(r"[A-Z]{1,5}", fullmatch=True)
strikes = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(5000), places=2)
expiries = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31))


@given(symbols, st.booleans())
def test_a_stock_survives_contract_and_details(symbol: str, etf: bool) -> None:
    stock = Instrument.stock(symbol, etf=etf)
    details = details_for(contract_for(stock), stockType="ETF" if etf else "COMMON", minTick=0.01)
    back = instrument_from_details(details)
    assert back.key == stock.key
    assert back.asset_class is stock.asset_class


@given(symbols, expiries, strikes, st.sampled_from(OptionRight))
def test_an_option_survives_contract_and_details(
    symbol: str, expiry: dt.date, strike: Decimal, right: OptionRight
) -> None:
    option = Instrument.option(symbol, expiry, strike, right)
    back = instrument_from_details(details_for(contract_for(option), minTick=0.01))
    assert back.key == option.key
    assert back.strike == option.strike
    assert back.multiplier == option.multiplier
    assert parse_symbol(option.key).key == option.key


# -- parse_symbol ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "asset"),
    [
        ("aapl", "AAPL", AssetClass.STOCK),
        ("  msft ", "MSFT", AssetClass.STOCK),
        ("brk.b", "BRK B", AssetClass.STOCK),
        ("BRK/B", "BRK B", AssetClass.STOCK),
        ("BRK B", "BRK B", AssetClass.STOCK),
        ("aapl 20261218 c 150", "AAPL 20261218 C 150", AssetClass.OPTION),
        ("AAPL 20261218 P 7.50", "AAPL 20261218 P 7.5", AssetClass.OPTION),
        ("AAPL  20261218  CALL  150.0", "AAPL 20261218 C 150", AssetClass.OPTION),
        ("BRK B 20261218 P 500", "BRK B 20261218 P 500", AssetClass.OPTION),
    ],
)
def test_parse_symbol_reads_what_traders_type(text: str, key: str, asset: AssetClass) -> None:
    instrument = parse_symbol(text)
    assert instrument.key == key
    assert instrument.asset_class is asset


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "nothing entered"),
        ("   ", "nothing entered"),
        ("$$$", "expected a symbol such as AAPL"),
        ("AAPL MSFT GOOG", "expected a symbol such as AAPL"),
        ("AAPL 20261332 C 150", "YYYYMMDD"),
        ("AAPL 2026121 C 150", "YYYYMMDD"),
        ("AAPL 20261218 X 150", "C .call. or P"),
        ("AAPL 20261218 C -5", "positive number"),
        ("AAPL 20261218 C abc", "positive number"),
        ("AAPL 20261218 C 0", "positive number"),
        ("$$ 20261218 C 150", "not a symbol"),
    ],
)
def test_parse_symbol_says_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(UnknownInstrument, match=message):
        parse_symbol(text)


# -- option chains -----------------------------------------------------------------------------

TODAY = dt.date(2026, 6, 1)


def chain(
    exchange: str, trading_class: str, expirations: list[str], strikes: list[float]
) -> OptionChain:
    return OptionChain(exchange, 265598, trading_class, "100", expirations, strikes)


def test_the_smart_chain_of_the_standard_class_wins() -> None:
    chains = [
        chain("CBOE", "AAPL", ["20260619"], [100.0, 105.0, 110.0, 115.0]),
        chain("SMART", "AAPL1", ["20260619"], [1.0, 2.0, 3.0, 4.0, 5.0]),  # adjusted class
        chain("SMART", "AAPL", ["20260717", "20260619", "20260515"], [110.0, 100.0, 105.0, 100.0]),
    ]
    params = chain_params_from(AAPL, chains, TODAY)
    assert params.underlying == "AAPL"
    assert params.expiries == (dt.date(2026, 6, 19), dt.date(2026, 7, 17))  # sorted, no past
    assert params.strikes == (100.0, 105.0, 110.0)  # sorted, unique
    assert params.multiplier == 100


def test_without_a_smart_chain_the_one_with_most_strikes_wins() -> None:
    chains = [
        chain("CBOE", "AAPL", ["20260619"], [100.0]),
        chain("AMEX", "AAPL", ["20260626"], [100.0, 105.0]),
    ]
    assert chain_params_from(AAPL, chains, TODAY).expiries == (dt.date(2026, 6, 26),)


def test_a_chain_of_another_class_is_used_when_it_is_all_there_is() -> None:
    chains = [chain("SMART", "BRKB", ["20260619"], [500.0, 510.0])]
    params = chain_params_from(Instrument.stock("BRK B"), chains, TODAY)
    assert params.strikes == (500.0, 510.0)


def test_today_is_still_an_expiry_and_junk_is_dropped() -> None:
    chains = [
        chain("SMART", "AAPL", ["20260601", "2026", "20261340"], [0.0, -1.0, UNSET_DOUBLE, 150.0])
    ]
    params = chain_params_from(AAPL, chains, TODAY)
    assert params.expiries == (TODAY,)
    assert params.strikes == (150.0,)


def test_no_chain_or_no_live_expiry_is_an_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrument, match="AAPL lists no options"):
        chain_params_from(AAPL, [], TODAY)
    with pytest.raises(UnknownInstrument, match="AAPL lists no options"):
        chain_params_from(AAPL, [chain("SMART", "AAPL", ["20250101"], [150.0])], TODAY)


@pytest.mark.parametrize(("text", "expected"), [("100", 100), ("10", 10), ("", 100), ("x", 100)])
def test_chain_multiplier(text: str, expected: int) -> None:
    chains = [OptionChain("SMART", 1, "AAPL", text, ["20260619"], [150.0])]
    assert chain_params_from(AAPL, chains, TODAY).multiplier == expected
