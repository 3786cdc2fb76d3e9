"""Model price table and per-span cost computation.

The table ships as package data (``prices.json``, USD per 1M tokens) and is loaded once,
lazily. ``compute_cost`` runs once per LLM span on the ingest hot path, so a lookup by model
name is memoised and the arithmetic is a handful of float operations.

Usage convention (see docs/ingest-api.md): ``prompt_tokens`` counts *all* input tokens,
including ``cached_tokens`` (cache reads) and ``cache_write_tokens``. An unknown model has an
unknown cost (``None``), never ``0``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "ModelPrice",
    "PriceTable",
    "PriceTier",
    "compute_cost",
    "default_table",
    "find_price",
    "normalize_model",
]

_PER_TOKENS = 1_000_000.0
_LOOKUP_CACHE_SIZE = 4096  # model strings come from clients: keep the memo bounded
_ENTRY_KEYS = frozenset(
    {"name", "provider", "aliases", "input", "output", "cache_read", "cache_write", "tiers", "note"}
)
_TIER_FIELDS = ("above", "input", "output", "cache_read", "cache_write")
_TIER_KEYS = frozenset(_TIER_FIELDS)


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Rates (USD per 1M tokens) that replace the base rates once prompt_tokens > ``above``."""

    above: int
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """One model's prices in USD per 1M tokens; ``None`` cache prices fall back to ``input``."""

    name: str
    provider: str
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    tiers: tuple[PriceTier, ...] = ()  # ascending by ``above``
    aliases: tuple[str, ...] = ()
    note: str | None = None

    def rates_for(self, prompt_tokens: int) -> ModelPrice | PriceTier:
        """The base rates or the highest tier whose threshold prompt_tokens exceeds."""
        for tier in reversed(self.tiers):
            if prompt_tokens > tier.above:
                return tier
        return self

    def cost(
        self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0, cache_write_tokens: int = 0
    ) -> float:
        """USD cost of one call; the tier chosen by prompt_tokens prices the whole request."""
        r = self.rates_for(prompt_tokens) if self.tiers else self
        # Clamp: a client that reports cache tokens outside prompt_tokens must not get a refund.
        uncached = prompt_tokens - cached_tokens - cache_write_tokens
        if uncached < 0:
            uncached = 0
        read = r.cache_read if r.cache_read is not None else r.input
        write = r.cache_write if r.cache_write is not None else r.input
        return (
            uncached * r.input + cached_tokens * read + cache_write_tokens * write + completion_tokens * r.output
        ) / _PER_TOKENS

    def to_dict(self) -> dict[str, Any]:
        """The table-entry form (inverse of the loader), used to layer overrides."""
        entry: dict[str, Any] = {"name": self.name, "provider": self.provider}
        entry.update(input=self.input, output=self.output)
        if self.aliases:
            entry["aliases"] = list(self.aliases)
        for key in ("cache_read", "cache_write", "note"):
            if getattr(self, key) is not None:
                entry[key] = getattr(self, key)
        if self.tiers:
            entry["tiers"] = [{k: getattr(t, k) for k in _TIER_FIELDS if getattr(t, k) is not None} for t in self.tiers]
        return entry


# --- name normalisation -------------------------------------------------------------------

# Bedrock ids: optional cross-region prefix, then a vendor prefix (us.anthropic.claude-...).
_BEDROCK = re.compile(
    r"^(?:(?:us|eu|apac|ap|au|ca|jp|global|us-gov)\.)?"
    r"(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|qwen|openai|google)\.(.+)$"
)
# Version suffixes that do not change the price: dates, -latest, Bedrock -v1:0, Gemini -001.
_SUFFIXES = (
    re.compile(r"-latest$"),
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # OpenAI / Qwen snapshot dates
    re.compile(r"-\d{8}$"),  # Anthropic snapshot dates
    re.compile(r"-v\d+(?::\d+)?$"),  # Bedrock -v1:0, Vertex claude-3-5-sonnet-v2
    re.compile(r"-\d{3}$"),  # Gemini -001 / -002
)


def _key(name: str) -> str:
    # Dots and dashes are used interchangeably for versions (claude-3.5-sonnet vs claude-3-5-sonnet).
    return name.strip().lower().replace(".", "-")


def _candidates(model: str) -> Iterator[str]:
    """Progressively stripped forms of a model name, most specific first (not yet keyed)."""
    name = model.strip().lower()
    yield name
    if "/" in name:  # openai/gpt-4o, models/gemini-2.5-pro, publishers/google/models/..., ARNs
        name = name.rsplit("/", 1)[1]
        yield name
    bedrock = _BEDROCK.match(name)
    if bedrock:
        name = bedrock.group(1)
        yield name
    if "@" in name:  # Vertex: claude-sonnet-4-5@20250929
        name = name.split("@", 1)[0]
        yield name
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            stripped = suffix.sub("", name)
            if stripped != name and stripped:
                name = stripped
                changed = True
                yield name


def normalize_model(model: str) -> str:
    """The fully stripped, keyed form of a model name (for display and grouping)."""
    last = model
    for last in _candidates(model):
        pass
    return _key(last)


# --- the table ----------------------------------------------------------------------------


def _number(entry: Mapping[str, Any], key: str, where: str, required: bool = True) -> float | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ValueError(f"{where}: missing {key!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{where}: {key!r} must be a non-negative number, got {value!r}")
    return float(value)


def _parse_tier(raw: Mapping[str, Any], where: str) -> PriceTier:
    unknown = set(raw) - _TIER_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown tier keys {sorted(unknown)}")
    above = raw.get("above")
    if isinstance(above, bool) or not isinstance(above, int) or above <= 0:
        raise ValueError(f"{where}: tier 'above' must be a positive integer, got {above!r}")
    return PriceTier(
        above=above,
        input=_number(raw, "input", where),  # type: ignore[arg-type]
        output=_number(raw, "output", where),  # type: ignore[arg-type]
        cache_read=_number(raw, "cache_read", where, required=False),
        cache_write=_number(raw, "cache_write", where, required=False),
    )


def _parse_entry(raw: Mapping[str, Any]) -> ModelPrice:
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"price entry without a name: {raw!r}")
    where = f"model {name!r}"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    provider = raw.get("provider")
    if not isinstance(provider, str) or not provider:
        raise ValueError(f"{where}: missing 'provider'")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ValueError(f"{where}: 'aliases' must be a list of names")
    tiers = tuple(sorted((_parse_tier(t, where) for t in raw.get("tiers", [])), key=lambda t: t.above))
    if len({t.above for t in tiers}) != len(tiers):
        raise ValueError(f"{where}: two tiers share a threshold")
    return ModelPrice(
        name=name.strip(),
        provider=provider.strip().lower(),
        input=_number(raw, "input", where),  # type: ignore[arg-type]
        output=_number(raw, "output", where),  # type: ignore[arg-type]
        cache_read=_number(raw, "cache_read", where, required=False),
        cache_write=_number(raw, "cache_write", where, required=False),
        tiers=tiers,
        aliases=tuple(a.strip() for a in aliases),
        note=raw.get("note"),
    )


def _entries_of(data: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        models = data.get("models")
        if not isinstance(models, list):
            raise ValueError("a price table needs a 'models' list")
        return models
    return list(data)


class PriceTable:
    """An immutable set of model prices with name normalisation and a memoised lookup."""

    def __init__(self, models: Iterable[ModelPrice], version: str = "custom", *, strict: bool = True) -> None:
        self.version = version
        self.models: tuple[ModelPrice, ...] = tuple(models)
        self._index = self._build_index(self.models, strict)
        # Per-instance memo, so an override table never answers with the default table's entries.
        self.find = functools.lru_cache(maxsize=_LOOKUP_CACHE_SIZE)(self._find_uncached)

    @staticmethod
    def _build_index(models: Iterable[ModelPrice], strict: bool) -> dict[str, tuple[ModelPrice, ...]]:
        """Keyed name -> models claiming it. Strict: a name claimed twice for one provider is an
        error; otherwise the first claimant keeps it (overrides are listed first)."""
        index: dict[str, list[ModelPrice]] = {}
        for model in models:
            for alias in dict.fromkeys(_key(n) for n in (model.name, *model.aliases)):
                same = index.setdefault(alias, [])
                if any(other.provider == model.provider for other in same):
                    if strict:
                        raise ValueError(f"name {alias!r} is claimed twice for provider {model.provider!r}")
                    continue
                same.append(model)
        return {k: tuple(v) for k, v in index.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PriceTable:
        """Build from the prices.json shape: {"version": ..., "models": [...]}."""
        return cls((_parse_entry(e) for e in _entries_of(data)), version=str(data.get("version", "custom")))

    @classmethod
    def load_default(cls) -> PriceTable:
        """The table shipped with the package."""
        raw = resources.files(__package__).joinpath("prices.json").read_bytes()
        return cls.from_dict(json.loads(raw))

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> PriceTable:
        """A new table with ``overrides`` layered on top (e.g. a project's negotiated prices).

        Each override is a table entry (``{"models": [...]}`` or a plain list). One whose ``name``
        matches a model here is merged onto it field by field, so ``{"name": "gpt-4o", "input": 2.0}``
        changes only the input price (``tiers`` and ``aliases``, when given, replace the old ones);
        any other is a new model and needs ``provider``, ``input`` and ``output``. Names and aliases
        given by an override win over the base table's.
        """
        base = {_key(m.name): m for m in self.models}
        touched: dict[str, ModelPrice] = {}
        for raw in _entries_of(overrides):
            name = raw.get("name")
            key = _key(name) if isinstance(name, str) else ""
            prior = touched.get(key) or base.get(key)
            entry = {**prior.to_dict(), **raw, "name": prior.name} if prior else raw
            touched[key] = _parse_entry(entry)
        rest = [m for k, m in base.items() if k not in touched]
        return PriceTable([*touched.values(), *rest], version=f"{self.version}+overrides", strict=False)

    def _find_uncached(self, model: str | None, provider: str | None = None) -> ModelPrice | None:
        if not model:
            return None
        wanted = provider.strip().lower() if provider else None
        for candidate in _candidates(model):
            found = self._index.get(_key(candidate))
            if found:
                if len(found) == 1 or wanted is None:
                    return found[0]
                # The same name sold by several providers: the caller's provider decides.
                return next((m for m in found if m.provider == wanted), found[0])
        return None

    def compute_cost(
        self,
        model: str | None,
        provider: str | None,
        prompt_tokens: int | None,
        completion_tokens: int | None,
        cached_tokens: int | None = 0,
        cache_write_tokens: int | None = 0,
    ) -> float | None:
        """USD cost of one call, or None when the model is unknown or no token count was given."""
        if prompt_tokens is None and completion_tokens is None:
            return None
        price = self.find(model, provider)
        if price is None:
            return None
        return price.cost(prompt_tokens or 0, completion_tokens or 0, cached_tokens or 0, cache_write_tokens or 0)

    def __len__(self) -> int:
        return len(self.models)

    def __repr__(self) -> str:
        return f"PriceTable(version={self.version!r}, models={len(self.models)})"


# --- module-level default -----------------------------------------------------------------

_default: PriceTable | None = None


def default_table() -> PriceTable:
    """The packaged table, loaded on first use."""
    global _default
    if _default is None:
        _default = PriceTable.load_default()
    return _default


def find_price(model: str | None, provider: str | None = None) -> ModelPrice | None:
    """Price of ``model`` in the default table, after normalisation; None when unknown."""
    return (_default or default_table()).find(model, provider)


def compute_cost(
    model: str | None,
    provider: str | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    cached_tokens: int | None = 0,
    cache_write_tokens: int | None = 0,
) -> float | None:
    """USD cost of one LLM call from the default table; None means unknown (never 0 for unknown)."""
    return (_default or default_table()).compute_cost(
        model, provider, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens
    )
