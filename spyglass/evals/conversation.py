"""Judges over a whole conversation (a thread's messages): coherence, user frustration and
knowledge retention, each scored per turn and overall.

The judge sees the numbered transcript and returns one verdict per relevant message; the
per-turn verdicts are in ``metadata["turns"]`` as ``{"index", "role", "value", "reason"}``
(``index`` counts messages from 1). ``messages`` may be in OpenAI, Anthropic or LangChain
shape (see :mod:`spyglass.evals.messages`).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .judges.base import JudgeMetric, block
from .judges.parsing import JudgeFormatError, get_bool, get_number, get_objects, get_text
from .messages import Message, normalize_messages, transcript
from .metrics.base import ScoreResult

Reader = Callable[[Mapping[str, Any]], float]


class ConversationJudge(JudgeMetric):
    """Base: ``role`` is whose messages get a verdict; ``read`` turns one verdict into a value."""

    requires = ("messages",)
    role = "assistant"
    verdict_key = "score"

    def read(self, verdict: Mapping[str, Any]) -> float:
        raise NotImplementedError

    def overall(self, turns: list[dict[str, Any]], data: Mapping[str, Any]) -> float:
        """The conversation's value; by default the mean of the turn values."""
        return sum(t["value"] for t in turns) / len(turns)

    def _messages(self, fields: Mapping[str, Any]) -> list[Message]:
        return normalize_messages(fields.get("messages"))

    def precheck(self, **fields: Any) -> ScoreResult | None:
        messages = self._messages(fields)
        if not any(m["role"] == self.role for m in messages):
            raise ValueError(f"the conversation has no {self.role} message to judge")
        return None

    def prompt(self, **fields: Any) -> str:
        messages = self._messages(fields)
        wanted = [i for i, m in enumerate(messages, 1) if m["role"] == self.role]
        return (f"Give a verdict for each {self.role} message: indexes {wanted}.\n"
                f"{block('conversation', transcript(messages))}")

    def parse(self, data: dict[str, Any], **fields: Any) -> ScoreResult:
        messages = self._messages(fields)
        wanted = {i for i, m in enumerate(messages, 1) if m["role"] == self.role}
        turns: dict[int, dict[str, Any]] = {}
        for item in get_objects(data, "turns"):
            index = int(get_number(item, "index", 1, len(messages)))
            if index in wanted:
                turns[index] = {"index": index, "role": self.role, "value": self.read(item),
                                "reason": get_text(item, "reason")}
        missing = sorted(wanted - set(turns))
        if missing:
            raise JudgeFormatError(f"verdicts are missing for message index(es) {missing}.")
        ordered = [turns[i] for i in sorted(turns)]
        value = self.overall(ordered, data)
        return self.result(value, get_text(data, "reason", required=True), turns=ordered)


class ConversationCoherence(ConversationJudge):
    """How well each assistant reply follows from the conversation so far (1-5 per reply,
    normalised to 0..1); the overall value is the judge's rating of the whole conversation."""

    name = "conversation_coherence"
    instructions = """\
Task: rate the COHERENCE of the assistant in the CONVERSATION. A coherent reply follows logically from what came
before, stays consistent with the assistant's earlier statements, answers what the user just said, and is
internally clear. Rate each assistant message from 1 to 5 (5 fully coherent, 3 noticeable lapses,
1 incoherent or contradicting earlier turns), then the conversation as a whole.
Return: {"turns": [{"index": <message index>, "score": <integer 1-5>, "reason": "<short reason>"}],
         "overall": <integer 1-5>, "reason": "<one or two sentences on the whole conversation>"}"""

    def read(self, verdict: Mapping[str, Any]) -> float:
        return (get_number(verdict, "score", 1, 5) - 1) / 4

    def overall(self, turns: list[dict[str, Any]], data: Mapping[str, Any]) -> float:
        return (get_number(data, "overall", 1, 5) - 1) / 4


class UserFrustration(ConversationJudge):
    """Share of the user's messages that show frustration with the assistant (0 = none,
    1 = every message); per-message verdicts say why."""

    name = "user_frustration"
    role = "user"
    higher_is_better = False
    instructions = """\
Task: for each USER message in the CONVERSATION, decide whether the user shows frustration with the assistant:
repeating or rephrasing a request the assistant failed, correcting it, complaining, sarcasm, anger, shouting,
or giving up. Neutral follow-up questions are not frustration.
Return: {"turns": [{"index": <message index>, "frustrated": true | false, "reason": "<short reason>"}],
         "reason": "<one or two sentences on the user's experience overall>"}"""

    def read(self, verdict: Mapping[str, Any]) -> float:
        return 1.0 if get_bool(verdict, "frustrated") else 0.0


class KnowledgeRetention(ConversationJudge):
    """Share of assistant replies that remember what the user said earlier (facts,
    preferences, constraints) instead of forgetting, contradicting or asking again
    (1 = always retained)."""

    name = "knowledge_retention"
    instructions = """\
Task: for each ASSISTANT message in the CONVERSATION, decide whether it retains what the user told it EARLIER in
the conversation: facts, preferences, constraints and decisions. A reply fails when it asks again for information
already given, contradicts it, or ignores it where it matters. A reply with nothing earlier to remember retains.
Return: {"turns": [{"index": <message index>, "retained": true | false, "reason": "<short reason>"}],
         "reason": "<one or two sentences on the whole conversation>"}"""

    def read(self, verdict: Mapping[str, Any]) -> float:
        return 1.0 if get_bool(verdict, "retained") else 0.0
