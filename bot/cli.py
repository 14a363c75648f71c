"""The terminal face: `summit-bot ask | index | leaders | sources | eval | run`.

Heavy modules (the engine, hence numpy and the model) are imported inside the commands that
need them, so `--help`, `leaders` and `sources` stay fast.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot import __version__
from bot.i18n import LANGUAGES, N_, Texts, language_from_env, texts

if TYPE_CHECKING:
    from bot.answering.answer import Answer
    from bot.answering.engine import Engine
    from bot.corpus.catalog import Catalog
    from bot.settings import Settings

log = logging.getLogger("bot")


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _logging_flags(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="log details (DEBUG)")
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="log only warnings and errors")


def _add_tool_parsers(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """`eval` and `calibrate`: the maintainers' tools (`bot/tools/`)."""
    evaluate = add_parser("eval", help="measure retrieval quality on a question set (JSON Lines)")
    evaluate.add_argument("file", help="question set, e.g. eval/dev_questions.jsonl")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--misses", type=int, default=30, metavar="N", help="list at most N misses (default 30)")
    evaluate.add_argument("--check", metavar="FLOORS", help="exit 1 if a metric is below its floor in this JSON file")
    evaluate.add_argument("--followups", action="store_true",
                          help="FILE holds follow-up pairs (eval/followups.jsonl): Recall@1/@3 in context, "
                               "against asking the follow-up alone and gluing both questions together")

    calibrate = add_parser("calibrate", help="fit the answer decision (retrieval/decision.json) from dev questions")
    calibrate.add_argument("sets", nargs="*", help="labelled question sets (default: the two dev sets; never held-out)")
    calibrate.add_argument("--shown", type=float, default=0.97, metavar="R",
                           help="share of in-scope questions to show, cross-validated (default 0.97)")
    calibrate.add_argument("--wrong", type=float, default=0.02, metavar="R",
                           help="largest cross-validated share confidently wrong (default 0.02)")
    calibrate.add_argument("--output", metavar="FILE",
                           help="where to write the model (default bot/retrieval/decision.json)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="summit-bot", description="Cited answers about the ALBA-TCP summit of 3 February 2025.")
    parser.add_argument("--version", action="version", version=f"summit-bot {__version__}")
    _logging_flags(parser, default=False)
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="language of what the bot writes around the quoted passages (default: from LANG; "
                             "the passages stay verbatim)")
    # -v/-q are accepted after the subcommand too; SUPPRESS keeps a subcommand from resetting them.
    common = _Parser(add_help=False)
    _logging_flags(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # --lang is accepted after the commands that print framing too ("summit-bot ask --lang es ..."); SUPPRESS
    # keeps the main parser's value when it is not repeated there.
    language = _Parser(add_help=False)
    language.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    add_parser = functools.partial(sub.add_parser, parents=[common])

    ask = add_parser("ask", parents=[common, language], help="answer a question with cited passages")
    ask.add_argument("question", nargs="?", help="the question; omit it with --json to read one per line from stdin")
    ask.add_argument("--top-k", type=int, metavar="N", help="how many passages to return (1-25)")
    ask.add_argument("--json", action="store_true", help="print one JSON object (JSON Lines when reading stdin)")

    index = add_parser("index", help="build the index if it is missing or stale")
    index.add_argument("--force", action="store_true", help="rebuild even if the index is current")

    for name, text in (("leaders", "list the heads of state and government who spoke"),
                       ("sources", "list the articles in the corpus")):
        command = add_parser(name, parents=[common, language], help=text)
        command.add_argument("--json", action="store_true", help="print JSON")

    _add_tool_parsers(add_parser)

    about = add_parser("about", help="for operators: the corpus, the index (model, passages, built at) and what is on")
    about.add_argument("--json", action="store_true", help="print JSON")

    add_parser("health", help="ask the running bot's /healthz (SUMMIT_BOT_METRICS_PORT); exit 0 when healthy")
    report = add_parser("report", parents=[common, language],
                        help="what people asked the bot: most asked, refused, voted down, figures")
    report.add_argument("--since", default="7d", metavar="PERIOD", help="7d (default), 24h, 2w, or a date")
    report.add_argument("--guild", type=int, metavar="ID", help="only this server")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with charts")
    report.add_argument("--export-eval", metavar="FILE",
                        help="write refused and down-voted questions as eval records (JSON Lines) to label")

    run = add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument("--sync", action="store_true", help="sync slash commands even if unchanged")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `summit-bot` console script."""
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    try:
        settings = _settings()
        handler = {
            "ask": _ask, "index": _index, "leaders": _leaders, "sources": _sources, "eval": _eval,
            "calibrate": _calibrate, "run": _run, "health": _health, "report": _report, "about": _about,
        }[args.command]
        code = handler(args, settings)
        sys.stdout.flush()  # a reader that went away (`| head -1`) shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except CliError as exc:
        print(f"summit-bot: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("summit-bot: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a last resort: one line, never a traceback, unless --verbose
        from bot.errors import describe

        message = describe(exc)
        if message is None:
            log.debug("unexpected error", exc_info=True)
            message = f"unexpected error: {exc.__class__.__name__}: {exc} (run with -v for details)"
        print(f"summit-bot: {message}", file=sys.stderr)
        return 1


def _reader_gone() -> int:
    """stdout's reader closed the pipe: stop quietly, as `cat` or `grep` do (exit 128 + SIGPIPE)."""
    try:  # nothing more can be written; keep the interpreter's final flush from complaining
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    return 128 + 13


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("bot").setLevel(level)


def _settings() -> Settings:
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(_problem(err["loc"], err["msg"]) for err in exc.errors())
        raise CliError(f"invalid settings: {problems}", code=2) from None


def _problem(loc: tuple[object, ...], message: str) -> str:
    """`SETTING: what is wrong`, without pydantic's "Value error, " and without naming the setting twice."""
    where = ".".join(str(part) for part in loc) or "setting"
    message = message.removeprefix("Value error, ")
    return message if message.startswith(where) else f"{where}: {message}"


def _catalog(settings: Settings) -> Catalog:
    from bot.corpus.catalog import Catalog

    return Catalog.from_settings(settings)


# -- ask ----------------------------------------------------------------------------------------


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.answering.engine import Engine
    from bot.answering.question import QuestionError, clean_question

    if args.top_k is not None and not 1 <= args.top_k <= 25:
        raise CliError("--top-k must be between 1 and 25", code=2)
    batch = args.question is None
    if batch and not (args.json and not sys.stdin.isatty()):
        raise CliError('give a question, e.g. summit-bot ask "What did Maduro propose?" '
                       "(or pipe questions, one per line, into ask --json)", code=2)
    if not batch:
        try:  # check before loading anything heavy
            clean_question(args.question, max_chars=settings.max_question_chars)
        except QuestionError as exc:
            raise CliError(exc.message(_texts(args)), code=2) from None

    engine = Engine.open(settings, progress=sys.stderr.isatty())
    if not batch:
        answer = engine.ask(args.question, args.top_k)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render_answer(answer, _texts(args)))
        return 0
    # Bytes, decoded line by line: one undecodable line gets an error record, not the whole batch
    # (under PYTHONIOENCODING=utf-8:strict, text-mode stdin would raise on it and stop).
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        record = _batch_record(engine, raw, number, args.top_k)
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def _texts(args: argparse.Namespace) -> Texts:
    """The language of the framing the terminal prints: `--lang`, else the environment's (LANG=es_ES.UTF-8 → es)."""
    return texts(args.lang or language_from_env())


def _batch_record(engine: Engine, raw: bytes, number: int, top_k: int | None) -> dict[str, object]:
    """The output record for input line `number`: an answer, or an error record (never nothing)."""
    from bot.answering.question import QuestionError

    raw = raw.removesuffix(b"\n").removesuffix(b"\r")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error_record(raw.decode("utf-8", "replace"),
                             f"line {number} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position "
                             f"{exc.start + 1}); save the questions as UTF-8")
    if not line.strip():
        return _error_record("", f"line {number} is empty: give one question per line")
    try:
        return engine.ask(line, top_k).to_dict()
    except QuestionError as exc:
        return _error_record(line.strip(), f"line {number}: {exc}")


def _error_record(question: str, error: str) -> dict[str, object]:
    """An `ask --json` record for a line that could not be asked: the answer's keys, plus `error`."""
    from bot.answering.answer import Answer

    return {**Answer(question, "none", ()).to_dict(), "error": error}


def _style(text: str, code: str) -> str:
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return text
    return f"\033[{code}m{text}\033[0m"


def _highlighted(text: str, spans: Iterable[Sequence[int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], _style(text[start:end], "1;33")]
        last = end
    out.append(text[last:])
    return "".join(out)


SIMILARITY_NOTE = N_("similarity: cosine of the question with the passage's best-matching text (0 to 1); "
                     "the order also weighs shared keywords, so it can differ from the similarity's.")


def render_answer(answer: Answer, t: Texts | None = None) -> str:
    """The readable terminal form of an answer: each passage quoted, cited, and its similarity shown.

    The similarity is not what ranks the passages (keywords count too), so the output says what it is.
    """
    import textwrap

    from bot.answering.framing import MAYBE, VERBATIM, citation_label, person_line, refusal_notes

    t = t or texts()
    lines = [_style(t._("Q: {question}", question=answer.question), "1")]
    if answer.searched_for:
        lines.append(_style("   " + t._("(searched for: {query})", query=answer.searched_for), "2"))
    lines.append("")
    if not answer.answered:
        lines += [t._("The summit coverage I have does not answer this."), *refusal_notes(answer, t),
                  t._("Nearest passages, for transparency:"), ""]
    elif answer.confidence == "medium":
        lines += [_style(t._(MAYBE) + ":", "1;33"), ""]
    if answer.citations and t.lang != "en":
        lines += [_style(f"({t._(VERBATIM)})", "2"), ""]
    people = answer.leaders if answer.overview == "participants" else ()
    for i, citation in enumerate(answer.citations):
        if answer.overview is not None:  # chosen from the corpus's structure, not ranked: no similarity
            label = citation_label(citation, t)
            head = f"[{citation.rank}] " + (f"{person_line(people[i], t)} · {label}" if i < len(people) else label)
        else:
            head = t._("[{rank}] {label}  (similarity {score})", rank=citation.rank,
                       label=citation_label(citation, t), score=t.number(citation.score, 2))
        lines.append(_style(head, "1;36"))
        body = _highlighted(citation.passage.text, citation.highlights)
        for paragraph in body.split("\n"):
            lines += textwrap.wrap(paragraph, width=100, initial_indent="    ", subsequent_indent="    ") or [""]
        ref = citation.article
        source = " · ".join(x for x in (ref.title, ref.author, ref.outlet, ref.published, ref.url) if x)
        lines += [_style(f"    — {source}", "2"), ""]
    if answer.citations and answer.overview is None:
        lines += [_style(line, "2") for line in textwrap.wrap(t._(SIMILARITY_NOTE), width=100)]
    return "\n".join(lines).rstrip()


# -- index, leaders, sources --------------------------------------------------------------------


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from bot.provision import ensure_index, export_query_model, onnx_dir

    catalog = _catalog(settings)
    index, report = ensure_index(settings, catalog, force=args.force, progress=sys.stderr.isatty())
    if report is not None and report.save_error is not None:
        raise CliError(f"could not save the index to {settings.index_dir} ({report.save_error}); nothing was "
                       "written: set SUMMIT_BOT_INDEX_DIR to a folder you can write")
    if report is None:
        print(f"index is current: {len(index)} passages, model {index.manifest.key.model_id}, "
              f"built {index.manifest.built_at} ({settings.index_dir})")
    else:
        print(f"indexed {report.passages} passages ({report.sentences} sentences, {report.encoded} embedded) "
              f"in {report.seconds:.1f} s → {settings.index_dir}")
    if settings.query_backend != "sentence-transformers":
        if export_query_model(settings, catalog):  # verified (and exported again if it was damaged)
            print(f"query model: ONNX export verified ({onnx_dir(settings, catalog)})")
        else:
            print("query model: sentence-transformers (slower start): the ONNX export is unavailable, see above")
    return 0


def _print_json(value: object) -> int:
    """`--json` output: indented, non-ASCII kept; the command's exit status (0)."""
    print(json.dumps(value, ensure_ascii=False, indent=2))
    return 0


def _leaders(args: argparse.Namespace, settings: Settings) -> int:
    speakers = _catalog(settings).speakers
    if args.json:
        return _print_json([s.to_dict() for s in speakers])
    from bot.answering.framing import person_line

    t = _texts(args)
    for s in speakers:
        where = ", ".join(pid.split("#", 1)[1] for pid in s.passage_ids) or "—"
        print(f"{person_line(s.person, t)}  [{s.article.slug}: {where}]")
    return 0


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    sources = _catalog(settings).sources
    if args.json:
        return _print_json([s.to_dict() for s in sources])
    t = _texts(args)
    for s in sources:
        a = s.article
        details = [a.author, a.outlet, a.published and t.date(a.published), a.url,
                   t.n_("{n} passage", "{n} passages", s.passages)]
        print(f"{a.title}\n    {' · '.join(x for x in details if x)}  [{a.slug}]")
    return 0


def _about(args: argparse.Namespace, settings: Settings) -> int:
    """What an operator checks first: which corpus and index the bot answers from, and what is switched on."""
    from bot.answering.engine import Engine

    engine = Engine.open(settings)
    info = engine.info
    facts: dict[str, object] = {
        "corpus": str(settings.corpus_dir), "articles": len(engine.catalog.sources), "passages": info.passages,
        "model": info.model_id, "index": str(info.directory), "built_at": info.built_at,
        "reader": engine.reader is not None, "spanish_search_translation": engine.translator is not None,
        "see_translation_button": engine.to_spanish is not None, "question_log": settings.question_log,
    }
    if args.json:
        return _print_json(facts)
    width = max(len(key) for key in facts)
    for key, value in facts.items():
        shown = ("on" if value else "off") if isinstance(value, bool) else value
        print(f"{key.replace('_', ' '):<{width}}  {shown}")
    return 0


# -- eval, run ----------------------------------------------------------------------------------


def _calibrate(args: argparse.Namespace, settings: Settings) -> int:
    """`summit-bot calibrate [SET ...] [--shown R] [--wrong R] [--output FILE]`."""
    from bot.answering.engine import Engine
    from bot.atomic import write_text
    from bot.tools.calibration import DEFAULT_SETS, HeldOutRefused, fit_decision, fitting_sets

    sets = args.sets or list(DEFAULT_SETS)
    try:
        fitting_sets(sets)  # refused before the engine is opened: nothing to load
    except HeldOutRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    model, default = fit_decision(Engine.open(settings, progress=sys.stderr.isatty()), sets, shown=args.shown,
                                  wrong=args.wrong)
    output = Path(args.output) if args.output else default
    write_text(output, model.to_json())
    cv = model.fitted_on["cross_validated"]
    print(f"wrote {output}: medium ≥ {model.medium:.3f} P(shown), high ≥ {model.high:.3f} P(right)")
    if isinstance(cv, dict):
        print("5-fold cross-validated: " + ", ".join(f"{k} {v:.3f}" for k, v in cv.items()))
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    """`summit-bot eval FILE [--json] [--misses N] [--check FLOORS] [--followups]`."""
    from dataclasses import asdict

    from bot.answering.engine import Engine

    path = Path(args.file)
    if args.followups:
        from bot.tools import followup_eval

        try:
            pairs = followup_eval.load_pairs(path)
        except followup_eval.FollowupFileError as exc:
            raise CliError(str(exc), code=2) from None
        outcomes = followup_eval.run(Engine.open(settings, progress=sys.stderr.isatty()), pairs)
        table = followup_eval.metrics(outcomes)
        if args.json:
            print(json.dumps(table, indent=2))
        else:
            missed = [o for o in outcomes if o.mode == "context" and not o.hit(3)][:args.misses]
            print(followup_eval.render(table, missed))
        return 0
    from bot.tools.evaluation import below_floors, evaluate, format_table, load_questions

    questions = load_questions(path)
    metrics = evaluate(Engine.open(settings, progress=sys.stderr.isatty()).ask, questions)
    print(json.dumps(asdict(metrics), ensure_ascii=False, indent=2) if args.json else
          format_table(metrics, args.misses))
    if args.check:
        floors = json.loads(Path(args.check).read_text(encoding="utf-8"))
        failures = below_floors(metrics, floors)
        if failures:
            print("below the floors in " + args.check + ":\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print(f"all {len(floors)} floors in {args.check} met", file=sys.stderr)
    return 0


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """The container's HEALTHCHECK: GET /healthz of the bot on this machine; prints its JSON body."""
    import urllib.error
    import urllib.request

    if settings.metrics_port is None:
        raise CliError("SUMMIT_BOT_METRICS_PORT is not set, so the bot serves no /healthz to ask", code=2)
    if settings.metrics_port == 0:
        raise CliError("SUMMIT_BOT_METRICS_PORT=0 lets the bot pick any free port; give it a fixed one to check",
                       code=2)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.metrics_host, settings.metrics_host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{settings.metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(f"no answer from {url}: {getattr(exc, 'reason', exc)}") from None
    print(body.decode("utf-8", "replace").strip())
    return 0 if status == 200 else 1


def _report(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from bot.atomic import write_text
    from bot.report import ReportError, build_report, export_eval, parse_since, render_html, render_text
    from bot.store import Store, StoreError, utcnow

    if not settings.question_log:
        raise CliError("the question log is off (SUMMIT_BOT_QUESTION_LOG=off): there is nothing to report")
    now = utcnow()
    try:
        since = parse_since(args.since, now)
    except ReportError as exc:
        raise CliError(str(exc), code=2) from None
    until = now + dt.timedelta(seconds=1)
    store = Store.open(settings)
    try:
        if not store.enabled:
            raise CliError("cannot open the question store (see the warning above)")
        if args.export_eval:
            written = store.read(lambda conn: export_eval(conn, Path(args.export_eval), since=since, until=until,
                                                          guild_id=args.guild))
            print(f"wrote {written} question(s) to label to {args.export_eval}", file=sys.stderr)
        report = store.read(lambda conn: build_report(conn, since=since, until=until, guild_id=args.guild,
                                                      encode=_question_encoder(settings)))
    except StoreError as exc:
        raise CliError(f"cannot read the question store: {exc}") from None
    finally:
        store.close()
    if args.html:
        try:
            write_text(Path(args.html), render_html(report))  # whole or not at all (bot.atomic)
        except OSError as exc:
            raise CliError(f"cannot write {args.html}: {exc.strerror or exc}") from None
    text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else None
    print(text or render_text(report, _texts(args)))
    return 0


def _question_encoder(settings: Settings) -> Callable[[list[str]], Any] | None:
    """The query model, to group questions asked in other words (None if it cannot be loaded)."""
    from bot.index.embeddings import EmbeddingError
    from bot.provision import query_encoder

    try:
        encoder = query_encoder(settings, _catalog(settings))
    except (EmbeddingError, OSError) as exc:
        log.warning("questions are grouped by their words only: the model cannot be loaded (%s)", exc)
        return None
    return encoder.encode


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.discord_app.runner import run_bot

    return run_bot(settings, force_sync=args.sync)
