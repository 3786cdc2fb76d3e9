"""Text search (`input ~ "..."`) on SQLite at scale: indexing throughput and query latency.

    python bench/text_search.py                      # 1M spans (about 5-8 minutes on 2 cores)
    python bench/text_search.py --spans 200000       # quicker
    python bench/text_search.py --db /tmp/ts.db --keep   # reuse the file on the next run

1. Builds a SQLite file with `--spans` spans: JSON chat inputs/outputs of 1-2 KB, about 10 %
   of them Chinese or Japanese, some carrying a unique order number (rare terms).
2. Runs `search.catch_up` to completion, as the writer does when idle, and prints the
   indexing throughput.
3. Times the first page (50 rows by start_time desc) of `input ~ "<term>"` through `to_sql`,
   for common and rare English and Chinese terms, and prints p50/p95.
4. Adds `--tail` spans that are not indexed yet and times the same queries again: results stay
   exact, the unindexed tail is scanned with LIKE.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spyglass.server.query import compile_filter  # noqa: E402
from spyglass.server.store import search  # noqa: E402
from spyglass.server.store import tables as t  # noqa: E402

T0 = 1_760_000_000_000_000
ZH = ("我们 你们 退款 订单 用户 问题 系统 服务 客户 支付 账户 密码 登录 注册 发货 物流 "
      "快递 价格 优惠 折扣 会员 积分 商品 库存 退货 换货 投诉 建议 感谢 帮助 查询 修改 "
      "取消 确认 地址 电话 邮箱 时间 日期 今天 明天 昨天 解决 处理 需要 可以 没有 已经 "
      "因为 所以 但是 如果 这个 那个 什么 怎么 为什么 哪里 模型 数据 分析 报告 文档 翻译 "
      "总结 摘要 生成 回答 检索 向量 知识 接口 错误 异常 超时 重试 ").split()
JA = "こんにちは ありがとう 注文 返金 配送 確認 お客様 問題 対応 申し訳 ございません 商品 在庫".split()
TERMS = [  # (label, needle)
    ("en common", "function"), ("en common, 2 words", "the value"), ("en rare", "ORD-0123455"),
    ("en absent", "zyxwvq"), ("zh common, 2 chars", "退款"), ("zh rare-ish, 4 chars", "退款超时"),
    ("zh 3 chars", "为什么"), ("ja", "返金"), ("en 2 chars", "qz"),
]


class Corpus:
    """Sentence pools, so that a million documents are quick to generate yet varied."""

    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        words = _english_words()
        weights = list(itertools.accumulate(1.0 / (rank + 8) for rank in range(len(words))))
        self.en = [" ".join(rng.choices(words, cum_weights=weights, k=rng.randint(6, 20))).capitalize() + "."
                   for _ in range(40_000)]
        self.zh = ["".join(rng.choices(ZH, k=rng.randint(6, 20))) + "。" for _ in range(8_000)]
        self.ja = ["".join(rng.choices(JA, k=rng.randint(4, 10))) + "。" for _ in range(2_000)]

    def text(self, size: int, pool: list[str]) -> str:
        parts: list[str] = []
        used = 0
        while used < size:
            sentence = self.rng.choice(pool)
            parts.append(sentence)
            used += len(sentence.encode())
        return " ".join(parts)

    def io(self, i: int) -> tuple[str, str]:
        roll = self.rng.random()
        pool = self.zh if roll < 0.08 else self.ja if roll < 0.10 else self.en
        question = self.text(self.rng.randint(250, 800), pool)
        if i % 5 == 0:
            question += f" Order ORD-{i:07d}."  # each number once: a rare term
        messages = [{"role": "system", "content": self.text(self.rng.randint(150, 450), self.en)},
                    {"role": "user", "content": question}]
        answer = {"choices": [{"message": {"role": "assistant", "content": self.text(self.rng.randint(200, 600), pool)},
                               "finish_reason": "stop"}]}
        return (orjson.dumps({"messages": messages, "model": "gpt-4o-mini"}).decode(), orjson.dumps(answer).decode())


def _english_words() -> list[str]:
    """Words from the comments and docstrings of the standard library: technical English."""
    counts: Counter[str] = Counter()
    folder = Path(os.__file__).parent
    for path in sorted(folder.glob("*.py"))[:300]:
        source = path.read_text(encoding="utf-8", errors="ignore")
        for match in re.finditer(r"#\s*([^\n]+)|\"\"\"(.*?)\"\"\"", source, re.S):
            counts.update(w.lower() for w in re.findall(r"[A-Za-z]{2,}", match.group(1) or match.group(2) or ""))
    return [word for word, _ in counts.most_common(20_000)]


def open_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144", "mmap_size=1073741824",
                       "temp_store=MEMORY"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    return engine


SPAN_SQL = ("INSERT INTO span (id, trace_id, project_id, name, type, start_time, end_time, input, output, "
            "metadata, tags, model, provider, prompt_tokens, completion_tokens, total_tokens, cost, created_at, "
            "updated_at) VALUES (?, ?, 'p1', 'openai.chat', 'llm', ?, ?, ?, ?, '{\"env\":\"prod\"}', "
            "'[\"bench\"]', 'gpt-4o-mini', 'openai', 900, 200, 1100, 0.0004, ?, ?)")


def insert_spans(engine: Engine, corpus: Corpus, first: int, count: int) -> float:
    started = time.perf_counter()
    with engine.connect() as conn:
        for lo in range(first, first + count, 5_000):
            rows = []
            for i in range(lo, min(lo + 5_000, first + count)):
                start = T0 + i * 50_000 + corpus.rng.randint(0, 2_000_000)  # arrival order, with jitter
                rows.append((f"{i:032x}", f"{i // 6:032x}", start, start + 800_000, *corpus.io(i), start, start))
            conn.exec_driver_sql(SPAN_SQL, rows)
            conn.commit()
    return time.perf_counter() - started


def index_all(engine: Engine, batch: int) -> tuple[int, float]:
    started, total = time.perf_counter(), 0
    with engine.connect() as conn:
        while True:
            with conn.begin():
                done = search.catch_up(conn, batch)
            total += done
            if not done:
                return total, time.perf_counter() - started


def time_query(engine: Engine, needle: str, runs: int, budget_s: float) -> tuple[list[float], int]:
    where = compile_filter(f"input ~ {orjson.dumps(needle).decode()}", "span", "sqlite")
    query = (select(t.span.c.id).where(t.span.c.project_id == "p1", where)
             .order_by(t.span.c.start_time.desc(), t.span.c.pk.desc()).limit(50))
    timings: list[float] = []
    found = 0
    deadline = time.perf_counter() + budget_s
    with engine.connect() as conn:
        for run in range(runs + 1):
            started = time.perf_counter()
            found = len(conn.execute(query).all())
            if run:  # the first run warms the page cache
                timings.append((time.perf_counter() - started) * 1000)
            if time.perf_counter() > deadline and len(timings) >= 3:
                break
    return timings, found


def report(engine: Engine, runs: int, budget_s: float) -> None:
    print(f"  {'query':<24} {'needle':<12} {'rows':>4} {'p50 ms':>9} {'p95 ms':>9} {'runs':>5}")
    for label, needle in TERMS:
        timings, found = time_query(engine, needle, runs, budget_s)
        ordered = sorted(timings)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"  {label:<24} {needle:<12} {found:>4} {statistics.median(ordered):>9.1f} {p95:>9.1f} {len(timings):>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--tail", type=int, default=20_000, help="unindexed spans added for the last phase")
    parser.add_argument("--batch", type=int, default=2_000, help="rows per catch_up call (the writer's batch)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per query before stopping early")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the file (and reuse it if it exists)")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="spyglass-bench-")) / "text_search.db"
    fresh = not path.exists()
    engine = open_engine(path)
    corpus = Corpus(seed=7)
    if fresh:
        t.metadata.create_all(engine)
        with engine.begin() as conn:
            for statement in search.ddl("sqlite"):
                conn.exec_driver_sql(statement)
        elapsed = insert_spans(engine, corpus, 0, args.spans)
        print(f"inserted {args.spans:,} spans in {elapsed:.1f} s ({args.spans / elapsed:,.0f}/s), "
              f"file {path.stat().st_size / 1e9:.2f} GB")
    indexed, elapsed = index_all(engine, args.batch)
    if indexed:
        print(f"catch_up indexed {indexed:,} spans in {elapsed:.1f} s = {indexed / elapsed:,.0f} spans/s "
              f"(batches of {args.batch})")
    with engine.connect() as conn:
        sizes = conn.exec_driver_sql("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_%'").scalar()
    print(f"index size {int(sizes or 0) / 1e9:.2f} GB; database file {path.stat().st_size / 1e9:.2f} GB")
    print("first page of 50 by start_time desc, everything indexed:")
    report(engine, args.runs, args.budget)
    if args.tail:
        with engine.connect() as conn:
            first = int(conn.exec_driver_sql("SELECT count(*) FROM span").scalar_one())
        insert_spans(engine, corpus, first, args.tail)
        print(f"with {args.tail:,} more spans not indexed yet (LIKE over the tail):")
        report(engine, args.runs, args.budget)
        if args.keep:
            index_all(engine, args.batch)
    engine.dispose()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
