"""The `connector` command line: parse, load settings once, dispatch, map errors to exit codes.

Exit codes are defined in `connector.errors`. Every failure prints one line on stderr; stdout
carries only a command's output (a dry run's CSV stays clean).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

import shtab

from connector import __version__
from connector.errors import (
    EXIT_CONFIG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ConfigError,
    ConnectorError,
    exit_code,
)
from connector.logging import configure_logging, register_secret, scrub_text
from connector.settings import Settings, load_settings

# command name -> "module:function"; imported lazily so `connector --help` stays fast and a
# broken optional part cannot stop the others.
_HANDLERS: dict[str, str] = {
    "init": "connector.init_config:run_init",
    "demo": "connector.demo:run_demo",
    "sandbox": "connector.sandbox.cli:run_sandbox",
    "setup": "connector.sync.commands:run_setup",
    "sync": "connector.sync.commands:run_sync",
    "run": "connector.sync.commands:run_scheduler",
    "status": "connector.sync.status:run_status",
    "explain": "connector.sync.inspect_commands:run_explain",
    "sla": "connector.sync.inspect_commands:run_sla",
    "backlog": "connector.sync.backlog_command:run_backlog",
    "review": "connector.review.command:run_review",
    "suggest": "connector.review.suggest:run_suggest",
    "calibrate": "connector.review.suggest:run_calibrate",
}

Handler = Callable[[argparse.Namespace, Settings], int]


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (a flag, or None, whose
    meaning the help text says)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if _no_default(action.default):
            return action.help
        return super()._get_help_string(action)


def _no_default(default: object) -> bool:
    return default is None or isinstance(default, bool) or default == []


def _with_defaults_shown(parser: argparse.ArgumentParser) -> None:
    """Every command's and sub-command's help shows the defaults, whoever declared it."""
    parser.formatter_class = _HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                _with_defaults_shown(command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connector",
        description="Lead qualification for HubSpot: score contacts, write back, hand off to SDRs.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # A static script from the parser itself: nothing runs at tab time (README, "Commands").
    shtab.add_argument_to(parser, ["--print-completion"], help="print a shell completion script")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = sub.add_parser("init", help="write the starting configuration (config/, .env.example)")
    init.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="folder to write into"
    ).complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    init.add_argument("--force", action="store_true", help="overwrite files that exist")

    demo = sub.add_parser("demo", help="run the whole pipeline on a seeded local sandbox")
    demo.add_argument("--contacts", type=int, default=2000, help="contacts to seed")
    demo.add_argument("--seed", type=int, default=7, help="seed for the demo portal")
    demo.add_argument("--top", type=int, default=10, help="leads to show")
    demo.add_argument(
        "--serve", action="store_true", help="keep the sandbox running afterwards for exploration"
    )
    demo.add_argument("--json", action="store_true", help="print one JSON object instead")

    sandbox = sub.add_parser("sandbox", help="serve a local HubSpot on loopback")
    sandbox.add_argument("--port", type=int, default=8090, help="port on 127.0.0.1 (0: any)")
    sandbox.add_argument("--contacts", type=int, default=1000, help="contacts to seed")
    sandbox.add_argument("--seed", type=int, default=1, help="seed of the generated portal")
    sandbox.add_argument("--token", default="sandbox-token", help="the Bearer token it accepts")
    sandbox.add_argument(
        "--tier",
        default="professional",
        choices=["free", "starter", "professional", "enterprise", "unlimited"],
        help="HubSpot tier whose API rate limits it enforces",
    )
    sandbox.add_argument(
        "--search-lag-ms", type=int, default=0, help="delay before search sees writes (ms)"
    )
    sandbox.add_argument("--fault-rate", type=float, default=0.0, help="share of requests to fail")
    sandbox.add_argument(
        "--scopes", default=None, help="comma-separated scopes of the token (default: all)"
    )

    setup = sub.add_parser("setup", help="create the score properties in HubSpot (idempotent)")
    setup.add_argument("--check", action="store_true", help="only check, create nothing")

    for name, text in (("sync", "one sync run"), ("run", "sync on a schedule until stopped")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--dry-run", action="store_true", help="compute and show, write nothing")
        p.add_argument(
            "--format",
            choices=["table", "csv", "json"],
            default="table",
            help="output: csv and json put only the report on stdout (the summary and logs go "
            "to stderr with csv); json holds the run's summary and, for a dry run, every change",
        )
        p.add_argument("--limit", type=int, default=50, help="dry-run rows to show (table)")

    status = sub.add_parser(
        "status",
        help="last runs, cursor and lag, dead letters; exits 1 when the last real run failed or "
        "was left unfinished (a crash, a kill), not when it was stopped on request",
    )
    status.add_argument("--runs", type=int, default=5, help="runs to show")
    status.add_argument(
        "--json", action="store_true", help="print one JSON object (for monitoring) instead"
    )

    explain = sub.add_parser("explain", help="score one contact and show every reason")
    explain.add_argument(
        "contact", metavar="CONTACT", help="the contact's HubSpot id or e-mail address"
    )
    explain.add_argument("--json", action="store_true", help="print one JSON object instead")

    sla = sub.add_parser("sla", help="SDR handoff and SLA report")
    sla.add_argument("--days", type=int, default=30, help="period to report on (days)")
    sla.add_argument("--json", action="store_true", help="print one JSON object instead")

    backlog = sub.add_parser(
        "backlog", help="handoffs that wait (the backfill's backlog, the capped queue); release"
    )
    backlog.add_argument("--json", action="store_true", help="print one JSON object instead")
    backlog.add_argument("--limit", type=int, default=50, help="rows to show (table)")
    release = backlog.add_subparsers(dest="backlog_action", metavar="ACTION").add_parser(
        "release", help="hand off backlog contacts on the next runs, still under the caps"
    )
    which = release.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="release the whole backlog")
    which.add_argument("--limit", type=int, dest="release_limit", help="release the best N")
    which.add_argument("contact_ids", nargs="*", default=[], metavar="CONTACT_ID", help="ids")

    review = sub.add_parser(
        "review", help="judge the rules against past outcomes (portal or --csv); writes no HubSpot"
    )
    _add_review_arguments(review)
    suggest = sub.add_parser(
        "suggest",
        help="fit the rules' points to past outcomes: a candidate rules file and its calibration "
        "(portal or --csv); writes no HubSpot",
    )
    suggest.add_argument("--rules", help="the rules to start from (default: the settings')")
    suggest.add_argument(
        "--write", help="where the candidate goes (default: <rules name>.suggested.yaml here)"
    )
    suggest.add_argument(
        "--propose",
        action="store_true",
        help="also propose criteria for known-at-arrival properties the rules do not read",
    )
    suggest.add_argument(
        "--max-criteria", type=int, default=40, help="most criteria (tier bands count one each)"
    )
    suggest.add_argument(
        "--allow-after-contact",
        action="store_true",
        help="fit on properties known only after sales contact (the candidate is labelled so)",
    )
    _add_leads_arguments(suggest)
    calibrate = sub.add_parser(
        "calibrate",
        help="fit score → probability of the outcome for the rules, next to their file",
    )
    calibrate.add_argument("--rules", help="the rules to calibrate (default: the settings')")
    _add_leads_arguments(calibrate)
    _with_defaults_shown(parser)
    return parser


def _add_review_arguments(parser: argparse.ArgumentParser) -> None:
    """Declared with the command (not imported) so `--help` never loads the review extra."""
    parser.add_argument("--rules", help="rules file to judge (default: the settings')")
    parser.add_argument("--compare", help="a candidate rules file, measured side by side")
    _add_leads_arguments(parser)


def _add_leads_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the leads and their outcomes come from (review, suggest, calibrate)."""
    parser.add_argument("--csv", help="review an export instead of the portal")
    parser.add_argument("--map", help="the CSV's mapping file (with --csv)")
    parser.add_argument("--out", help="write report.html, scores.csv and summary.json here")
    parser.add_argument("--since", help="portal: contacts created from this date (ISO)")
    parser.add_argument("--until", help="portal: …up to this date (ISO; default now)")
    parser.add_argument("--outcome", default="opportunity", help="portal: the converted stage")
    parser.add_argument("--horizon-days", type=int, help="portal: …reached within N days")


def _resolve(command: str) -> Handler:
    module_name, func_name = _HANDLERS[command].split(":")
    handler: Handler = getattr(import_module(module_name), func_name)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"connector: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if settings.access_token is not None:
        register_secret(settings.access_token.get_secret_value())
    configure_logging(level=settings.log_level, fmt=settings.log_format.value)
    try:
        return _resolve(args.command)(args, settings)
    except ConnectorError as exc:
        print(f"connector: {scrub_text(str(exc))}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        print("connector: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `connector status | head`: the reader has what it wanted; no traceback.
        # Python flushes stdout again at exit: point it at /dev/null so that flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
