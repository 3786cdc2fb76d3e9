"""Price table and cost computation, against the real packaged table."""

from __future__ import annotations

import time

import pytest

from spyglass.server.ingest import pricing
from spyglass.server.ingest.pricing import ModelPrice, PriceTable, compute_cost, find_price


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-15)


# --- the table itself -----------------------------------------------------------------------


def test_default_table_is_versioned_and_complete() -> None:
    table = pricing.default_table()
    assert table.version.startswith("2026-11")
    assert {m.provider for m in table.models} >= {"openai", "anthropic", "google", "mistral", "deepseek", "qwen"}
    assert pricing.default_table() is table  # loaded once


def test_every_entry_is_sane() -> None:
    for m in pricing.default_table().models:
        assert m.input >= 0 and m.output >= 0, m.name
        # A cache read is never dearer than plain input; a cache write never cheaper.
        if m.cache_read is not None:
            assert m.cache_read <= m.input, m.name
        if m.cache_write is not None:
            assert m.cache_write >= m.input, m.name
        thresholds = [t.above for t in m.tiers]
        assert thresholds == sorted(thresholds), m.name
        for t in m.tiers:
            assert t.input >= m.input and t.output >= m.output, m.name


# --- lookups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # OpenAI: snapshots, provider prefixes, Azure spelling, case.
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("openai/gpt-4o", "gpt-4o"),
        ("GPT-4o-Mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("gpt-5-nano", "gpt-5-nano"),
        ("gpt-5-chat-latest", "gpt-5"),
        ("azure/gpt-4.1-nano", "gpt-4.1-nano"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("o1-preview-2024-09-12", "o1"),
        ("o4-mini", "o4-mini"),
        ("azure/gpt-35-turbo", "gpt-3.5-turbo"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("text-embedding-3-large", "text-embedding-3-large"),
        ("ada-002", "text-embedding-ada-002"),
        # Anthropic: API ids, aliases, Bedrock, Vertex, dotted spellings.
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("eu.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("claude-3-5-haiku@20241022", "claude-3-5-haiku"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("anthropic/claude-3.7-sonnet", "claude-3-7-sonnet"),
        ("openrouter/anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-opus-4-20250514", "claude-opus-4"),
        ("claude-4-sonnet", "claude-sonnet-4"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-3-opus-20240229", "claude-3-opus"),
        # Google: models/ prefix, Vertex resource names, -00N versions, previews.
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("gemini/gemini-2.5-flash", "gemini-2.5-flash"),
        ("publishers/google/models/gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini-2.5-flash-lite-preview-09-2025", "gemini-2.5-flash-lite"),
        ("gemini-2.5-pro-preview-06-05", "gemini-2.5-pro"),
        ("models/gemini-1.5-pro-latest", "gemini-1.5-pro"),
        ("gemini-1.5-flash-002", "gemini-1.5-flash"),
        ("gemini-1.5-flash-8b", "gemini-1.5-flash-8b"),
        # Mistral: -latest and YYMM snapshots.
        ("mistral-large-latest", "mistral-large"),
        ("mistral/mistral-large-2411", "mistral-large-2411"),
        ("mistral-medium-2508", "mistral-medium"),
        ("mistral-small-latest", "mistral-small"),
        ("codestral-2508", "codestral"),
        ("ministral-8b-latest", "ministral-8b"),
        ("ministral-3b-2410", "ministral-3b"),
        # DeepSeek.
        ("deepseek-chat", "deepseek-v4-flash"),
        ("deepseek/deepseek-reasoner", "deepseek-v4-flash"),
        # Qwen: -latest, dated snapshots, dashscope/ prefix.
        ("qwen-plus-latest", "qwen-plus"),
        ("dashscope/qwen-turbo", "qwen-turbo"),
        ("qwen-max-2025-01-25", "qwen-max"),
        ("qwen3-max-preview", "qwen3-max"),
        ("qwen3-coder-plus-2025-07-22", "qwen3-coder-plus"),
    ],
)
def test_lookup_normalises_names(model: str, expected: str) -> None:
    found = find_price(model)
    assert found is not None, model
    assert found.name == expected


def test_exact_snapshot_beats_stripped_name() -> None:
    # The first gpt-4o snapshot has its own (higher) price; stripping the date must not hide it.
    assert find_price("gpt-4o-2024-05-13").input == 5.0  # type: ignore[union-attr]
    assert find_price("openai/gpt-4o-2024-05-13").input == 5.0  # type: ignore[union-attr]
    assert find_price("chatgpt-4o-latest").name == "chatgpt-4o-latest"  # type: ignore[union-attr]
    assert find_price("gpt-3.5-turbo-1106").input == 1.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "model",
    [
        None,
        "",
        "my-llama",
        "llama3:8b",
        "Qwen/Qwen3-235B-A22B",  # open weights served elsewhere: the API price would be a guess
        "ft:gpt-4o-mini-2024-07-18:org::abc123",  # fine-tuned models have other prices
        "gpt-3.5-turbo-0613",  # legacy snapshot with another price: not guessed from its family
        "gemini-2.5-pro-exp-03-25",  # free experimental model
        "deepseek/deepseek-chat:free",
    ],
)
def test_unknown_model_has_no_price(model: str | None) -> None:
    assert find_price(model) is None
    assert compute_cost(model, "openai", 1000, 100) is None


def test_lookup_is_memoised() -> None:
    table = pricing.default_table()
    first = find_price("us.anthropic.claude-3-haiku-20240307-v1:0")
    hits = table.find.cache_info().hits
    assert find_price("us.anthropic.claude-3-haiku-20240307-v1:0") is first
    assert table.find.cache_info().hits == hits + 1


def test_normalize_model() -> None:
    assert pricing.normalize_model("us.anthropic.claude-3-5-sonnet-20241022-v2:0") == "claude-3-5-sonnet"
    assert pricing.normalize_model("models/gemini-2.5-pro") == "gemini-2-5-pro"


# --- cost arithmetic ------------------------------------------------------------------------


def test_plain_cost() -> None:
    # gpt-4o-mini: $0.15 in, $0.60 out per 1M.
    assert compute_cost("gpt-4o-mini", "openai", 1_000, 500) == approx((1_000 * 0.15 + 500 * 0.60) / 1e6)


def test_cached_input_is_part_of_prompt_tokens() -> None:
    # gpt-4o: 600 uncached * 2.50 + 400 cached * 1.25 + 500 out * 10 = 7000 / 1e6.
    assert compute_cost("gpt-4o", "openai", 1_000, 500, cached_tokens=400) == approx(0.007)


def test_anthropic_cache_read_and_write() -> None:
    # Sonnet 4.5: 2000 plain * 3 + 6000 read * 0.30 + 2000 write * 3.75 + 1000 out * 15 = 30300 / 1e6.
    cost = compute_cost(
        "claude-sonnet-4-5-20250929", "anthropic", 10_000, 1_000, cached_tokens=6_000, cache_write_tokens=2_000
    )
    assert cost == approx(0.0303)


def test_deepseek_cache_hit_price() -> None:
    # 100k miss * 0.14 + 900k hit * 0.0028 + 100k out * 0.28 = 44520 / 1e6.
    assert compute_cost("deepseek-chat", "deepseek", 1_000_000, 100_000, cached_tokens=900_000) == approx(0.04452)


def test_missing_cache_prices_fall_back_to_input() -> None:
    # gpt-5-pro has no cache discount: cached tokens cost plain input.
    assert compute_cost("gpt-5-pro", "openai", 1_000, 0, cached_tokens=500) == approx(1_000 * 15 / 1e6)
    # OpenAI has no cache-write price: written tokens cost plain input.
    assert compute_cost("gpt-4o", "openai", 1_000, 0, cache_write_tokens=100) == approx(1_000 * 2.5 / 1e6)


def test_cache_counts_beyond_prompt_do_not_go_negative() -> None:
    # 200 cached of a 100-token prompt: the uncached part clamps at 0 (200 * 1.25).
    assert compute_cost("gpt-4o", "openai", 100, 0, cached_tokens=200) == approx(200 * 1.25 / 1e6)


def test_zero_tokens_cost_zero_for_a_known_model() -> None:
    assert compute_cost("gpt-4o", "openai", 0, 0) == 0.0
    assert compute_cost("claude-3-haiku", None, 0, 0, cached_tokens=0, cache_write_tokens=0) == 0.0


def test_missing_token_counts() -> None:
    assert compute_cost("gpt-4o", "openai", None, None) is None
    assert compute_cost("gpt-4o", "openai", None, 10) == approx(10 * 10 / 1e6)
    assert compute_cost("gpt-4o", "openai", 10, None, cached_tokens=None, cache_write_tokens=None) == approx(
        10 * 2.5 / 1e6
    )


def test_embedding_cost() -> None:
    assert compute_cost("text-embedding-3-small", "openai", 1_000_000, 0) == approx(0.02)


# --- long-context tiers ---------------------------------------------------------------------


def test_claude_long_context_tier_switches_above_200k() -> None:
    at = compute_cost("claude-sonnet-4-5", "anthropic", 200_000, 1_000)
    above = compute_cost("claude-sonnet-4-5", "anthropic", 200_001, 1_000)
    assert at == approx((200_000 * 3 + 1_000 * 15) / 1e6)  # 0.615
    assert above == approx((200_001 * 6 + 1_000 * 22.5) / 1e6)  # whole request at the tier's rates


def test_tier_applies_to_cache_prices_too() -> None:
    # Sonnet 4 >200k: 40000 plain * 6 + 250000 read * 0.60 + 10000 write * 7.50 + 2000 out * 22.50.
    cost = compute_cost(
        "claude-sonnet-4-20250514", "anthropic", 300_000, 2_000, cached_tokens=250_000, cache_write_tokens=10_000
    )
    assert cost == approx(0.51)


def test_gemini_pro_tier() -> None:
    assert compute_cost("gemini-2.5-pro", "google", 100_000, 1_000) == approx(0.135)
    # >200k: 200000 plain * 2.50 + 100000 cached * 0.25 + 1000 out * 15.
    assert compute_cost("gemini-2.5-pro", "google", 300_000, 1_000, cached_tokens=100_000) == approx(0.54)
    # Gemini 1.5 switched at 128k.
    assert compute_cost("gemini-1.5-pro", "google", 128_001, 0) == approx(128_001 * 2.5 / 1e6)


def test_qwen_multi_tier() -> None:
    # qwen3-max: <=32K $1.2/$6, <=128K $2.4/$12, above $3/$15 (K = 1024).
    assert compute_cost("qwen3-max", "qwen", 32_768, 0) == approx(32_768 * 1.2 / 1e6)
    assert compute_cost("qwen3-max", "qwen", 40_000, 1_000) == approx((40_000 * 2.4 + 1_000 * 12) / 1e6)
    assert compute_cost("qwen3-max", "qwen", 131_073, 1_000) == approx((131_073 * 3.0 + 1_000 * 15) / 1e6)


def test_rates_for_picks_highest_exceeded_tier() -> None:
    price = find_price("qwen3-coder-plus")
    assert price is not None
    assert price.rates_for(1) is price
    assert [price.rates_for(n).input for n in (32_768, 32_769, 131_073, 262_145)] == [1.0, 1.8, 3.0, 6.0]


# --- tables built from dicts and overrides -------------------------------------------------

_SMALL = {
    "version": "test",
    "models": [
        {"name": "alpha", "provider": "acme", "aliases": ["alpha-chat"], "input": 1.0, "output": 2.0,
         "cache_read": 0.1, "tiers": [{"above": 1000, "input": 2.0, "output": 4.0}]},
        {"name": "alpha", "provider": "cloudco", "input": 1.5, "output": 3.0},
    ],
}


def test_table_from_dict_and_provider_tiebreak() -> None:
    table = PriceTable.from_dict(_SMALL)
    assert len(table) == 2 and table.version == "test"
    assert table.find("alpha", "cloudco").input == 1.5  # type: ignore[union-attr]
    assert table.find("alpha", "ACME").input == 1.0  # type: ignore[union-attr]
    assert table.find("alpha").provider == "acme"  # type: ignore[union-attr]  # first listed wins
    # A tier without cache prices: cached tokens cost the tier's input price.
    assert table.compute_cost("alpha-chat", None, 2_000, 0, cached_tokens=1_000) == approx(2_000 * 2.0 / 1e6)


@pytest.mark.parametrize(
    "bad",
    [
        {"models": [{"name": "x", "provider": "p", "input": 1.0}]},  # no output
        {"models": [{"name": "x", "provider": "p", "input": -1.0, "output": 1.0}]},
        {"models": [{"name": "x", "provider": "p", "input": 1.0, "output": 1.0, "cached": 0.5}]},  # typo
        {"models": [{"name": "x", "provider": "p", "input": 1, "output": 1,
                     "tiers": [{"above": 0, "input": 1, "output": 1}]}]},  # threshold must be positive
        {"models": [{"name": "x", "provider": "p", "input": 1, "output": 1},
                    {"name": "y", "provider": "p", "aliases": ["X"], "input": 1, "output": 1}]},  # name twice
        {"version": "v"},
    ],
)
def test_invalid_tables_are_rejected(bad: dict) -> None:
    with pytest.raises(ValueError):
        PriceTable.from_dict(bad)


def test_override_changes_one_field_and_leaves_the_base_alone() -> None:
    base = pricing.default_table()
    table = base.with_overrides([{"name": "gpt-4o", "input": 2.0}])
    price = table.find("gpt-4o-2024-11-20", "openai")
    assert price is not None and (price.input, price.output, price.cache_read) == (2.0, 10.0, 1.25)
    assert table.compute_cost("openai/gpt-4o", "openai", 1_000, 0) == approx(0.002)
    assert compute_cost("gpt-4o", "openai", 1_000, 0) == approx(0.0025)  # default untouched
    assert table.version == f"{base.version}+overrides"
    assert table.find("claude-3-haiku") is not None  # the rest of the table is still there


def test_override_adds_models_and_claims_names() -> None:
    table = pricing.default_table().with_overrides(
        {
            "models": [
                {"name": "prod-chat", "provider": "azure", "aliases": ["my-deployment"], "input": 1.0, "output": 2.0},
                # A negotiated price for a name the base table already knows.
                {"name": "gpt-4o-mini-2024-07-18", "provider": "openai", "input": 0.1, "output": 0.5},
            ]
        }
    )
    assert table.find("azure/my-deployment").name == "prod-chat"  # type: ignore[union-attr]
    assert table.compute_cost("my-deployment", "azure", 1_000_000, 1_000_000) == approx(3.0)
    assert table.find("gpt-4o-mini-2024-07-18").input == 0.1  # type: ignore[union-attr]
    assert table.find("gpt-4o-mini").input == 0.15  # type: ignore[union-attr]


def test_override_can_replace_tiers_and_stack() -> None:
    table = (
        pricing.default_table()
        .with_overrides([{"name": "claude-sonnet-4-5", "tiers": []}])
        .with_overrides([{"name": "claude-sonnet-4-5", "output": 10.0}])
    )
    price = table.find("claude-sonnet-4-5")
    assert price is not None and price.tiers == () and price.output == 10.0 and price.input == 3.0


def test_invalid_override_is_rejected() -> None:
    with pytest.raises(ValueError):
        pricing.default_table().with_overrides([{"name": "brand-new", "provider": "x", "input": 1.0}])


def test_model_price_round_trips_through_dict() -> None:
    for m in pricing.default_table().models:
        assert PriceTable.from_dict({"models": [m.to_dict()]}).models[0] == m


# --- hot path -------------------------------------------------------------------------------


def test_cached_call_is_fast() -> None:
    compute_cost("gpt-4o-mini", "openai", 1_200, 300, cached_tokens=200)
    n = 20_000
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            compute_cost("gpt-4o-mini", "openai", 1_200, 300, cached_tokens=200)
        best = min(best, (time.perf_counter() - start) / n)
    # Measured ~0.5 µs; the bound is loose so a busy CI machine does not flake.
    assert best < 10e-6


def test_model_price_type() -> None:
    assert isinstance(find_price("gpt-4o"), ModelPrice)
