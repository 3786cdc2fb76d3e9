"""Judges for answers grounded in retrieved context: hallucination, answer relevance,
context precision and context recall."""

from __future__ import annotations

from typing import Any

from ..metrics.base import ScoreResult
from ..metrics.text import as_text, as_text_list
from .base import JudgeMetric, RatingJudge, block, numbered
from .parsing import JudgeFormatError, get_bool, get_choice, get_number, get_objects, get_text

_VERDICTS = ("supported", "contradicted", "unsupported")


class Hallucination(JudgeMetric):
    """Share of the output's factual claims that the context does not support (0 = fully
    grounded, 1 = nothing grounded). The judge lists each claim with its verdict."""

    name = "hallucination"
    requires = ("output", "context")
    uses = ("input",)
    higher_is_better = False
    instructions = """\
Task: check whether the OUTPUT is grounded in the CONTEXT.
1. List every factual claim the OUTPUT makes. Skip greetings, opinions, hedges and restatements of the question.
2. For each claim, decide using only the CONTEXT (not your own knowledge):
   "supported": the context states it or clearly implies it;
   "contradicted": the context says something incompatible with it;
   "unsupported": the context does not say whether it is true.
Return: {"claims": [{"claim": "<short claim>", "verdict": "supported" | "contradicted" | "unsupported"}],
         "reason": "<one or two sentences summarising the problems, or why the output is grounded>"}
An output without factual claims returns an empty "claims" list."""

    def prompt(self, *, output: Any, context: Any, input: Any = None, **_: Any) -> str:
        parts = [block("question", input)] if input is not None else []
        return "\n".join([*parts, numbered("context", as_text_list(context)), block("output", output)])

    def parse(self, data: dict[str, Any], **fields: Any) -> ScoreResult:
        claims = [{"claim": get_text(c, "claim") or "", "verdict": get_choice(c, "verdict", _VERDICTS)}
                  for c in get_objects(data, "claims")]
        bad = [c for c in claims if c["verdict"] != "supported"]
        value = len(bad) / len(claims) if claims else 0.0
        reason = get_text(data, "reason") or ("no factual claims" if not claims else f"{len(bad)} of {len(claims)} "
                                              "claims not supported by the context")
        return self.result(value, reason, claims=claims,
                           contradicted=sum(c["verdict"] == "contradicted" for c in claims),
                           unsupported=sum(c["verdict"] == "unsupported" for c in claims))


class AnswerRelevance(RatingJudge):
    """How directly and completely the output answers the input, from 1 to 5, normalised to 0..1."""

    name = "answer_relevance"
    requires = ("input", "output")
    uses = ("context",)
    instructions = """\
Task: rate how relevant the OUTPUT is to the QUESTION: does it address what was asked, directly and completely?
Do not judge factual correctness, only relevance.
5: answers exactly what was asked, nothing missing, nothing off-topic.
4: answers the question with small gaps or a little unneeded material.
3: partly answers it, or buries the answer in off-topic material.
2: mostly off-topic; touches the question only in passing.
1: does not address the question at all (including unexplained refusals).
Return: {"score": <integer 1-5>, "reason": "<one or two sentences>"}"""

    def prompt(self, *, input: Any, output: Any, context: Any = None, **_: Any) -> str:
        parts = [block("question", input)]
        if context is not None:
            parts.append(numbered("context", as_text_list(context)))
        return "\n".join([*parts, block("output", output)])


class ContextPrecision(JudgeMetric):
    """Whether the retrieved chunks that help answer the question are ranked first: average
    precision over the chunks the judge marks relevant (1 = every relevant chunk comes
    before every irrelevant one, 0 = none is relevant)."""

    name = "context_precision"
    requires = ("input", "context")
    uses = ("expected", "output")
    instructions = """\
Task: for each retrieved CONTEXT chunk, decide whether it is useful for answering the QUESTION, i.e. whether it
contains information that the REFERENCE ANSWER relies on.
Give exactly one verdict per chunk, in order, using the chunk's index.
Return: {"verdicts": [{"index": <chunk index>, "relevant": true | false, "reason": "<short reason>"}]}"""

    def precheck(self, *, context: Any = None, **_: Any) -> ScoreResult | None:
        return None if as_text_list(context) else self.result(0.0, "no context was retrieved")

    def prompt(self, *, input: Any, context: Any, expected: Any = None, output: Any = None, **_: Any) -> str:
        reference = expected if expected is not None else output
        parts = [block("question", input)]
        if reference is not None:
            parts.append(block("reference_answer", reference))
        return "\n".join([*parts, numbered("context", as_text_list(context))])

    def parse(self, data: dict[str, Any], *, context: Any = None, **_: Any) -> ScoreResult:
        chunks = as_text_list(context)
        verdicts: dict[int, bool] = {}
        for item in get_objects(data, "verdicts"):
            verdicts[int(get_number(item, "index", 1, len(chunks)))] = get_bool(item, "relevant")
        missing = [i for i in range(1, len(chunks) + 1) if i not in verdicts]
        if missing:
            raise JudgeFormatError(f"verdicts are missing for chunk index(es) {missing}; give one per chunk.")
        relevant = [verdicts[i] for i in range(1, len(chunks) + 1)]
        hits, total = 0, 0.0
        for k, rel in enumerate(relevant, 1):
            if rel:
                hits += 1
                total += hits / k
        value = total / hits if hits else 0.0
        reason = f"{hits} of {len(chunks)} chunks relevant; average precision {value:.3f}"
        return self.result(value, reason, relevant=relevant)


class ContextRecall(JudgeMetric):
    """Share of the reference answer's statements that the retrieved context supports
    (1 = the context holds everything needed)."""

    name = "context_recall"
    requires = ("context", "expected")
    uses = ("input",)
    instructions = """\
Task: split the REFERENCE ANSWER into its distinct factual statements. For each, decide whether it can be
attributed to the CONTEXT: true if the context states it or clearly implies it, false otherwise.
Return: {"statements": [{"statement": "<short statement>", "attributed": true | false}],
         "reason": "<one sentence on what the context lacks, or that it covers everything>"}"""

    def prompt(self, *, context: Any, expected: Any, input: Any = None, **_: Any) -> str:
        parts = [block("question", input)] if input is not None else []
        parts += [block("reference_answer", as_text(expected)), numbered("context", as_text_list(context))]
        return "\n".join(parts)

    def parse(self, data: dict[str, Any], **fields: Any) -> ScoreResult:
        statements = [{"statement": get_text(s, "statement") or "", "attributed": get_bool(s, "attributed")}
                      for s in get_objects(data, "statements")]
        if not statements:
            raise JudgeFormatError('"statements" is empty; list the reference answer\'s statements.')
        found = sum(s["attributed"] for s in statements)
        value = found / len(statements)
        reason = get_text(data, "reason") or f"{found} of {len(statements)} statements found in the context"
        return self.result(value, reason, statements=statements)
