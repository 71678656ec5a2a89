"""Every numeric and path option of every subcommand: a bad value is a clear parser error."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal.cli import build_parser, export_format


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(list(argv))
    assert exit_info.value.code == 2  # argparse's usage error, not a traceback
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seed", "-1"], "argument --seed: seed must be 0 or more, got -1"),
        (["--seed", "1.5"], "argument --seed: seed must be a whole number, got '1.5'"),
        (["--port", "99999"], "argument --port: port must be from 1 to 65535, got 99999"),
        (["--port", "0"], "argument --port: port must be from 1 to 65535, got 0"),
        (["--port", "-7497"], "port must be from 1 to 65535, got -7497"),
        (["--port", "http"], "port must be a whole number, got 'http'"),
        (["--client-id", "-1"], "client id must be from 0 to 2147483647, got -1"),
        (["--client-id", "2147483648"], "client id must be from 0 to 2147483647"),
    ],
)
def test_out_of_range_numbers_are_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert message in refused(capsys, *argv)


def test_a_config_file_that_does_not_exist_is_refused_naming_the_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "desk.toml"
    assert f"settings file {missing} does not exist" in refused(capsys, "--config", str(missing))
    assert "is a folder, not a file" in refused(capsys, "--config", str(tmp_path))


def test_good_values_still_parse(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text("", encoding="utf-8")
    args = build_parser().parse_args(
        ["--seed", "0", "--port", "4002", "--client-id", "0", "--config", str(config)]
    )
    assert (args.seed, args.port, args.client_id, args.config) == (0, 4002, 0, config)


@pytest.mark.parametrize(
    ("given", "output", "decided"),
    [
        ("csv", None, "csv"),
        ("jsonl", Path("audit.jsonl"), "jsonl"),
        (None, Path("audit.csv"), "csv"),  # the file's name says which
        (None, Path("audit.JSONL"), "jsonl"),
        (None, Path("audit.ndjson"), "jsonl"),
        ("csv", Path("audit.txt"), "csv"),
    ],
)
def test_the_export_format_is_given_or_named_by_the_file(
    given: str | None, output: Path | None, decided: str
) -> None:
    assert export_format(given, output) == decided


@pytest.mark.parametrize(
    ("given", "output", "problem"),
    [
        (None, None, "choose --format csv or --format jsonl for stdout"),
        (None, Path("audit.txt"), "the name audit.txt does not say which"),
        ("jsonl", Path("audit.csv"), "--format jsonl does not match the output file audit.csv"),
    ],
)
def test_the_export_format_is_never_guessed(
    given: str | None, output: Path | None, problem: str
) -> None:
    decided = export_format(given, output)
    assert isinstance(decided, ValueError) and problem in str(decided)
