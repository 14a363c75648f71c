"""Re-run the probes of issues 14 and 17 (hardening, rounds 2 and 3), each in its own temp dir.

    .venv/bin/python bench/probe.py            # prints a Markdown table: fault | before | now

"before" is what the probe found on main before the fix (from the issue); "now" is measured by
running the scenario here. Nothing is asserted: the tests hold the checks; this shows the whole
list at once, the way an operator would meet it. Takes a few minutes: it builds an index, exports
the model to ONNX (and re-exports it twice), and waits out the age below which a temp folder is
never swept. Read-only cases run as `nobody` (via setpriv) when started as root, which ignores
file permissions.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.atomic import LEFTOVER_MIN_AGE  # noqa: E402
from bot.index.onnx_encoder import MODEL_FILE, OnnxUnavailable, verify_export  # noqa: E402

SLUG = "alba-summit-2025-02-06"
ARTICLE = ROOT / "corpus" / f"{SLUG}.md"
NOBODY = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
rows: list[tuple[str, str, str]] = []


def cli(args: list[str], root: Path, *, stdin: bytes | None = None, nobody: bool = False,
        **env: str) -> subprocess.CompletedProcess[bytes]:
    """`summit-bot ARGS` with its index, state and working dir under `root` (so no .env is read)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMIT_BOT_", "DISCORD_", "ALLOWED_"))}
    values = {"PYTHONPATH": str(ROOT), "SUMMIT_BOT_INDEX_DIR": str(root / "index"), "NO_COLOR": "1",
              "SUMMIT_BOT_STATE_DIR": str(root / "state"), "HF_HUB_OFFLINE": "1", "HOME": str(root), **env}
    command = [sys.executable, "-m", "bot", *args]
    if nobody and os.geteuid() == 0:
        command = NOBODY + command
    return subprocess.run(command, input=stdin, capture_output=True, cwd=root, env={**base, **values}, timeout=900,
                          check=False)


def err(done: subprocess.CompletedProcess[bytes], limit: int = 110) -> str:
    lines = [line for line in done.stderr.decode(errors="replace").splitlines() if line.startswith("summit-bot:")]
    text = lines[-1] if lines else done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    text = text if isinstance(text, str) else text[0]
    return text[:limit] + ("…" if len(text) > limit else "")


def leftovers(*folders: Path) -> list[str]:
    found = []
    for folder in folders:
        if folder.is_dir():
            for path in folder.iterdir():
                if ".tmp-" in path.name or ".old-" in path.name:
                    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0
                    found.append(f"{path.name} ({size / 1e6:.0f} MB)")
    return found


def onnx_dirs(root: Path) -> list[Path]:
    return [p for p in (root / "onnx").iterdir() if not p.name.startswith(".")] if (root / "onnx").is_dir() else []


def copy_of(base: Path, root: Path, *parts: str) -> Path:
    root.mkdir(parents=True)
    for name in parts or ("index", "embedding-cache", "onnx"):
        shutil.copytree(base / name, root / name)
    return root


def row(fault: str, before: str, now: str) -> None:
    rows.append((fault, before, now))
    print(f"  {fault}: {now}", file=sys.stderr, flush=True)


# -- scenarios ------------------------------------------------------------------------------------


def altered_weights(base: Path, tmp: Path) -> None:
    root = copy_of(base, tmp / "altered")
    [export] = onnx_dirs(root)
    model = export / MODEL_FILE
    with model.open("r+b") as handle:
        handle.seek(model.stat().st_size // 2)
        handle.write(bytes(64))
    started = time.perf_counter()
    done = cli(["ask", "--json", "What did Maduro propose?"], root)
    seconds = time.perf_counter() - started
    answer = json.loads(done.stdout) if done.returncode == 0 else {}
    top = answer.get("results", [{}])[0].get("passage_id", "?").split("#")[-1]
    warned = "exporting the model again" in done.stderr.decode()
    verify_export(export, trust_stamp=False)
    row("1. model.onnx weights altered in place (same size)",
        "every answer 'not covered' or ranked wrong; exit 0, no warning",
        f"{'warning, ' if warned else ''}re-exported by the next question ({seconds:.0f} s, once); answered="
        f"{answer.get('answered')}, top ¶{top}; export verifies")


def deleted_model(base: Path, tmp: Path) -> None:
    root = copy_of(base, tmp / "deleted")
    [export] = onnx_dirs(root)
    (export / MODEL_FILE).unlink()
    done = cli(["index", "--force"], root)
    try:
        verify_export(export, trust_stamp=False)
        state = "model.onnx restored and verified"
    except OnnxUnavailable as exc:
        state = f"still broken: {exc}"
    said = [line for line in done.stdout.decode().splitlines() if line.startswith("query model:")]
    started = time.perf_counter()
    cli(["ask", "--json", "Who spoke?"], root)
    row("2. model.onnx deleted, then `index --force`",
        "every run fell back to sentence-transformers (7–8 s); `index --force` did not repair it",
        f"exit {done.returncode}; {state}; \"{said[0] if said else '?'}\"; "
        f"next ask {time.perf_counter() - started:.1f} s")


def batch(base: Path, tmp: Path) -> None:
    root = copy_of(base, tmp / "batch")
    stdin = b"What did Maduro propose?\n\nWho wrote \xff it?\nWhat did Arce warn about?\n"
    done = cli(["ask", "--json"], root, stdin=stdin, PYTHONIOENCODING="utf-8:strict")
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    kinds = ["error: " + r["error"].split(" (")[0].split(":")[0] if "error" in r else "answer" for r in records]
    row("3. `ask --json` batch: a blank line and a \\xff byte, PYTHONIOENCODING=utf-8:strict",
        "blank line: no record (lines misaligned); the \\xff: nothing printed at all, exit 1",
        f"4 lines in → {len(records)} records [{'; '.join(kinds)}], exit {done.returncode}")


def discord_ids(tmp: Path) -> None:
    root = tmp / "ids"
    root.mkdir()
    for name, value, before in (("DISCORD_GUILD_ID", "0", "accepted: commands registered globally"),
                                ("ALLOWED_CHANNEL_IDS", ",,,", "accepted: answers in every channel"),
                                ("ALLOWED_CHANNEL_IDS", "-1", "accepted")):
        done = cli(["sources"], root, **{name: value})
        row(f"4. {name}={value}", before, f"exit {done.returncode}: {err(done, 90)}")


def unsaved_index(base: Path, tmp: Path) -> None:
    root = tmp / "under-a-file"
    root.mkdir()
    (root / "blocker").write_text("a regular file")
    done = cli(["index"], root, SUMMIT_BOT_INDEX_DIR=str(root / "blocker" / "index"))
    row("5a. `index` with the index dir under a regular file",
        "\"indexed 24 passages … →\", exit 0", f"exit {done.returncode}: {err(done)}")

    as_whom = "as nobody" if os.geteuid() == 0 else "as this user"
    read_only = copy_of(base, tmp / "read-only" / "cache", "index", "embedding-cache")
    for path in [read_only, *read_only.rglob("*")]:
        os.chown(path, 65534, 65534) if os.geteuid() == 0 else None
    for folder in (read_only / "index", read_only):
        folder.chmod(0o555)
    done = cli(["index", "--force"], read_only, nobody=True)
    left = leftovers(read_only)
    row(f"5b. `index --force` on a read-only cache folder ({as_whom})",
        "\"indexed 24 passages …\", exit 0 (nothing saved)",
        f"exit {done.returncode}: {err(done, 80)}; leftovers: {left or 'none'}")
    read_only.chmod(0o755)
    done = cli(["index", "--force"], read_only, nobody=True)
    runs = [cli(["index", "--force"], read_only, nobody=True).returncode for _ in range(2)]
    row(f"6a. read-only index folder, writable parent, 3 × `index --force` ({as_whom})",
        "an empty .index.old-* left on every run",
        f"exits {[done.returncode, *runs]}; the folder is replaced by a fresh one; leftovers: "
        f"{leftovers(read_only) or 'none'}")


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from bot.atomic import atomic_directory
    with atomic_directory(Path(sys.argv[1])) as staging:
        (staging / "embeddings.npy").write_bytes(bytes(1_000_000))
        print("saving", flush=True)
        sys.stdin.readline()
    """
)


def start_killed_builds(base: Path, tmp: Path) -> tuple[Path, subprocess.Popen[bytes], float]:
    """kill -9 an index save and an ONNX export midway; start one save that stays alive."""
    root = copy_of(base, tmp / "killed", "index", "embedding-cache")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SUMMIT_BOT_INDEX_DIR": str(root / "index"),
           "SUMMIT_BOT_STATE_DIR": str(root / "state"), "HF_HUB_OFFLINE": "1"}
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(root / "index")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env)
    assert writer.stdout is not None and writer.stdout.readline() == b"saving\n"
    writer.kill()
    writer.wait()
    # `index` finds the index current and exports the model (the ONNX folder is missing): kill it then.
    export = subprocess.Popen([sys.executable, "-m", "bot", "index"], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and export.poll() is None:
        temps = list((root / "onnx").glob(".*.tmp-*/model.onnx")) if (root / "onnx").is_dir() else []
        if temps and temps[0].stat().st_size > 50_000_000:
            break
        time.sleep(0.05)
    export.send_signal(signal.SIGKILL)
    export.wait()
    killed_at = time.time()
    alive = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(root / "index")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)
    assert alive.stdout is not None and alive.stdout.readline() == b"saving\n"
    return root, alive, killed_at


def finish_killed_builds(root: Path, alive: subprocess.Popen[bytes], killed_at: float) -> None:
    folders = (root, root / "onnx")
    before = leftovers(*folders)
    time.sleep(max(0.0, killed_at + LEFTOVER_MIN_AGE + 1 - time.time()))
    done = cli(["index"], root)
    after = leftovers(*folders)
    alive.kill()
    alive.wait()
    row("6b. kill -9 during an index save and during the ONNX export; then a plain start (`index`), "
        "while another save is still running",
        "`.index.tmp-*` and an 87 MB ONNX temp dir left forever",
        f"before the start: {', '.join(before)}; after (exit {done.returncode}): "
        f"{', '.join(after) or 'none'} (the one left is the running save's)")


def small_things(base: Path, tmp: Path) -> None:
    root = copy_of(base, tmp / "small")
    done = subprocess.run(["bash", "-c", f"printf 'Who spoke?\\nWho wrote it?\\nWhat did Arce warn about?\\n' | "
                           f"{sys.executable} -m bot ask --json | head -1 >/dev/null; echo ${{PIPESTATUS[1]}}"],
                          capture_output=True, cwd=root, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "SUMMIT_BOT_INDEX_DIR": str(root / "index")})
    row("7a. `ask --json … | head -1`", "\"unexpected error: BrokenPipeError\", exit 1",
        f"exit {done.stdout.decode().strip()} (128+SIGPIPE), stderr {done.stderr.decode().strip()[:60] or 'empty'}")

    done = cli(["run"], root)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = "\n## Discord\n" in readme and "\n### 1. Create" in readme
    row("7b. `run` without DISCORD_TOKEN", "points to docs/discord.md, which does not exist",
        f"{err(done, 200).split('(')[-1].rstrip(')')} (section exists: {found})")

    done = cli(["ask", "-v", "Who spoke?"], root)
    row("7c. `summit-bot ask -v \"Who spoke?\"`", "refused (-v only before the subcommand), exit 2",
        f"exit {done.returncode}, DEBUG lines on stderr: {done.stderr.decode().count('DEBUG')}")

    corpus = tmp / "corpus-bom"
    corpus.mkdir()
    (corpus / ARTICLE.name).write_bytes(b"\xef\xbb\xbf" + ARTICLE.read_bytes())
    done = cli(["sources"], root, SUMMIT_BOT_CORPUS_DIR=str(corpus))
    row("7d. article saved with a UTF-8 BOM", "rejected: \"missing front matter\"",
        f"exit {done.returncode}: {done.stdout.decode().splitlines()[0][:60] if done.returncode == 0 else err(done)}")

    corpus = tmp / "corpus-toml"
    corpus.mkdir()
    (corpus / "bad.md").write_text('+++\ntitle = "T"\nauthor = "A"\npublished = not-a-date\n+++\n\nMaduro spoke.\n')
    done = cli(["sources"], root, SUMMIT_BOT_CORPUS_DIR=str(corpus))
    row("7e. TOML error on line 4 of the file", "reported as line 3", err(done, 300).split("TOML): ")[-1])

    corpus = tmp / "corpus-case"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / f"{SLUG}.MD")
    done = cli(["sources", "--json"], root, SUMMIT_BOT_CORPUS_DIR=str(corpus))
    count = len(json.loads(done.stdout)) if done.returncode == 0 else "-"
    shutil.copy(ARTICLE, corpus / f"{SLUG.upper()}.md")
    twice = cli(["sources"], root, SUMMIT_BOT_CORPUS_DIR=str(corpus))
    row("7f. article as `.MD`; then a second copy under another case",
        "`.MD` silently ignored; the copy silently indexed twice",
        f"`.MD` alone: {count} article; with the copy: exit {twice.returncode}: {err(twice, 200).split(': ', 2)[-1]}")

    long_one = cli(["ask", "x" * 501], root)
    exact = cli(["ask", "--json", ("Maduro " * 100)[:500]], root)
    row("7g. questions of 501 and 500 characters", "\"please keep it under 500\" (500 is accepted)",
        f"501: {err(long_one).split('; ')[-1]}; 500: exit {exact.returncode}")

    done = cli(["ask", "What did Arce warn about?"], root)
    out = done.stdout.decode()
    shown = [line.split("(")[-1].rstrip(")") for line in out.splitlines() if line.startswith("[")]
    row("7h. the number beside each result", "\"[1] … 0.19, [2] … 0.20\" with no word on what it is",
        f"{', '.join(shown)}; then \"{out.strip().splitlines()[-2][:60]}…\"")


def round3(tmp: Path) -> None:
    """The probes of issue 17 (hardening, round 3) that run in this process: the health port, a silent
    database, the report's terminal output, the store file's mode. (The Discord-side ones, a stop during a
    burst, clicks, private pages and a store that comes back, run against the fake Discord in
    tests/discord_app/test_e2e_probes.py.)"""
    import asyncio
    import datetime as dt
    import socket
    import stat
    import threading

    from prometheus_client import CollectorRegistry

    from bot.discord_app.health import Health, HealthServer
    from bot.report import build_report, render_text
    from bot.settings import Settings
    from bot.store import DATABASE_FILE, QuestionRecord, Store, utcnow

    async def exhaust() -> str:
        server = HealthServer(lambda: Health(True, {"": True}, 1), CollectorRegistry(), "127.0.0.1", 0)
        server.HEAD_TIMEOUT = 1.0  # type: ignore[misc]
        await server.start()
        held = []
        for _ in range(1074):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(b"GET /healthz HTTP/1.1\r\n")
                held.append(writer)
            except OSError:
                break
        await asyncio.sleep(1.5)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = (await asyncio.wait_for(reader.read(), 5)).split(b"\r\n", 1)[0].decode()
        for w in held:
            w.close()
        await server.stop()
        return (f"{len(held)} half requests: {server.refused} refused at once, {server.timed_out} closed after "
                f"1 s; then /healthz: {answer}")

    row("17-1. 1,074 connections sending half a request to /healthz",
        "fd limit reached, /healthz times out, 1,012,431 log lines", asyncio.run(exhaust()))

    listener = socket.create_server(("127.0.0.1", 0))
    silent: list[socket.socket] = []
    threading.Thread(target=lambda: silent.append(listener.accept()[0]), daemon=True).start()
    config = Settings(_env_file=None, state_dir=tmp / "silent", database_url=  # type: ignore[call-arg]
                      f"postgresql://bot@127.0.0.1:{listener.getsockname()[1]}/q")
    started = time.monotonic()
    opened = Store.try_open(config)
    row("17-2. PostgreSQL that accepts connections and never answers", "`Store.open` hangs; bot never online",
        f"given up after {time.monotonic() - started:.1f} s (store {'open' if opened else 'off'}; the bot goes "
        "online after 2 s and keeps trying in the background)")
    listener.close()

    store = Store.open(Settings(_env_file=None, state_dir=tmp / "report"))  # type: ignore[call-arg]
    hostile = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\x00 \u202eevil\nVoted down:"
    store.record(QuestionRecord(hostile, None, "none", ("a#p1",), 5, "x", message_id=1))
    store.vote(1, "x", -1).result(10)
    store.flush()
    now = utcnow()
    text = render_text(store.read(lambda conn: build_report(conn, since=now - dt.timedelta(days=1),
                                                            until=now + dt.timedelta(seconds=1))))
    controls = sum(1 for ch in text if ch != "\n" and (ord(ch) < 32 or ch == "\u202e"))
    mode = stat.S_IMODE((tmp / "report" / DATABASE_FILE).stat().st_mode)
    store.close()
    row("17-7. `summit-bot report` with a question holding escape sequences", "title change, clear screen, colours",
        f"{controls} control characters reach the terminal (shown as escapes)")
    row("17-9a. questions.sqlite3 mode", "0644", f"{mode:04o}")


def main() -> int:
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        print("note: running as root without setpriv: the read-only cases cannot be probed", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="summit-probe-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)
        base = tmp / "base"
        base.mkdir()
        print("building the base index and ONNX export …", file=sys.stderr, flush=True)
        built = cli(["index"], base)
        if built.returncode != 0:
            print(built.stderr.decode(), file=sys.stderr)
            return 1
        killed = start_killed_builds(base, tmp)
        altered_weights(base, tmp)
        deleted_model(base, tmp)
        batch(base, tmp)
        discord_ids(tmp)
        unsaved_index(base, tmp)
        finish_killed_builds(*killed)
        small_things(base, tmp)
        round3(tmp)
        for path in tmp.rglob("*"):  # the read-only folders, so the temp dir can be removed
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
    print("| fault | before (issues 14, 17) | now |")
    print("|---|---|---|")
    for fault, before, now in sorted(rows, key=lambda r: r[0]):
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in (fault, before, now)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
