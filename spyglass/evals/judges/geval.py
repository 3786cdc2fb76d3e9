"""G-Eval: a judge for a criterion the user writes in plain words.

As in the G-Eval paper, the judge first turns the criterion into concrete evaluation steps
(once per metric, then reused; or pass your own ``evaluation_steps``), then follows them to
score each item from 0 to 10, normalised to 0..1.
"""

from __future__ import annotations

import threading
from typing import Any

from ..messages import normalize_messages, transcript
from ..metrics.base import ScoreResult
from ..providers import Provider
from .base import SYSTEM_PROMPT, JudgeMetric, RatingJudge, block
from .parsing import JudgeFormatError, get_list

_FIELD_TAGS = {"input": "input", "output": "output", "expected": "expected_output", "context": "context",
               "messages": "conversation"}


class _StepWriter(JudgeMetric):
    """Asks the judge for evaluation steps; the steps come back in ``metadata["steps"]``."""

    requires = ("criteria",)
    instructions = """\
Task: a grader must assess AI outputs against the CRITERION below. Write 3 to 6 concise, concrete evaluation
steps the grader should follow, in order. Each step is one sentence saying what to check.
Return: {"steps": ["<step 1>", "<step 2>", ...]}"""

    def prompt(self, *, criteria: str, **_: Any) -> str:
        return block("criterion", criteria)

    def parse(self, data: dict[str, Any], **fields: Any) -> ScoreResult:
        steps = [str(s).strip() for s in get_list(data, "steps") if str(s).strip()]
        if not 1 <= len(steps) <= 12:
            raise JudgeFormatError(f'"steps" must hold 3 to 6 steps; got {len(steps)}.')
        return self.result(1.0, None, steps=steps)


class GEval(RatingJudge):
    """Scores how well an item meets ``criteria`` (0-10, normalised to 0..1).

    ``fields`` chooses what the judge sees (default: output, plus input, expected and
    context when the item has them); the fields given there become required.
    """

    name = "g_eval"
    requires = ("output",)
    uses = ("input", "expected", "context", "messages")
    scale = (0, 10)

    def __init__(self, criteria: str, *, evaluation_steps: list[str] | None = None,
                 task_introduction: str | None = None, fields: tuple[str, ...] | None = None,
                 model: str | Provider | None = None, name: str | None = None, max_parse_retries: int = 2) -> None:
        super().__init__(model, name=name, max_parse_retries=max_parse_retries)
        if not criteria.strip():
            raise ValueError("GEval needs a criterion")
        self.criteria = criteria.strip()
        self.task_introduction = task_introduction
        self.fields = fields
        if fields is not None:
            self.requires = tuple(fields)
            self.uses = ()
        self._steps = list(evaluation_steps) if evaluation_steps else None
        self._steps_lock = threading.Lock()

    def _writer(self) -> _StepWriter:
        return _StepWriter(self.provider, name=f"{self.name}.steps", max_parse_retries=self.max_parse_retries)

    def _keep(self, result: ScoreResult) -> list[str]:
        if result.failed:
            raise RuntimeError(f"could not write evaluation steps: {result.error}")
        self._steps = result.metadata["steps"]
        return self._steps

    def evaluation_steps(self) -> list[str]:
        """The steps the judge follows, written by the judge on first use."""
        with self._steps_lock:
            return self._steps or self._keep(self._writer().score(criteria=self.criteria))

    async def aevaluation_steps(self) -> list[str]:
        # Two items may race here and both ask; the steps are equivalent and the first is kept.
        return self._steps or self._keep(await self._writer().ascore(criteria=self.criteria))

    def _instructions(self, steps: list[str]) -> str:
        intro = f"{self.task_introduction.strip()}\n" if self.task_introduction else ""
        listed = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
        return (f"{intro}Task: evaluate the item below against the CRITERION by following the evaluation steps.\n"
                f"{block('criterion', self.criteria)}\nEvaluation steps:\n{listed}\n"
                "Score from 0 to 10: 0 = does not meet the criterion at all, 10 = fully meets it; use the whole "
                'range.\nReturn: {"score": <integer 0-10>, "reason": "<one or two sentences citing the item>"}')

    def prompt(self, **fields: Any) -> str:
        names = self.fields or tuple(f for f in ("input", "context", "messages", "output", "expected")
                                     if fields.get(f) is not None)
        return "\n".join(block(_FIELD_TAGS.get(n, n), self._shown(n, fields.get(n))) for n in names)

    @staticmethod
    def _shown(name: str, value: Any) -> Any:
        return transcript(normalize_messages(value)) if name == "messages" else value

    def messages(self, **fields: Any) -> list[dict[str, str]]:
        instructions = self._instructions(self.evaluation_steps())
        return [{"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"{instructions}\n\n{self.prompt(**fields)}"}]

    async def ascore(self, **fields: Any) -> ScoreResult:
        await self.aevaluation_steps()  # written without blocking the loop; messages() then reuses them
        return await super().ascore(**fields)
