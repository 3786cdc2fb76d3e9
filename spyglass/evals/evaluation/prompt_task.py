"""``evaluate_prompt()``: a prompt version and a model as the task of an evaluation.

Each item's fields fill the template (``Prompt.format``); a text prompt is sent as one user
message, a chat prompt as its messages, through the judge provider layer (so the call is an
``llm`` span with tokens and cost). The prompt version is linked to the experiment.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ...sdk import Client, Dataset, Prompt
from ..metrics.base import Metric, resolve_path
from ..providers import Provider, make_provider
from .results import EvaluationResult
from .run import evaluate


def prompt_values(item: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Template values: the item's keys, and the keys of its ``input`` when it is a dict
    (``{{question}}`` finds ``input.question``); ``variables`` maps names to dotted paths."""
    values = {k: v for k, v in item.items() if k != "id"}
    if isinstance(item.get("input"), Mapping):
        values.update(item["input"])
    for name, path in (variables or {}).items():
        values[name] = resolve_path(item, path)
    return values


class PromptTask:
    """Render the prompt for an item and ask the model; the answer's text is the output."""

    def __init__(self, prompt: Prompt, provider: Provider, variables: Mapping[str, str] | None = None) -> None:
        self.prompt = prompt
        self.provider = provider
        self.variables = variables
        self.__name__ = f"prompt:{prompt.name}"

    def __call__(self, item: dict[str, Any]) -> str:
        rendered = self.prompt.format(**prompt_values(item, self.variables))
        messages = rendered if isinstance(rendered, list) else [{"role": "user", "content": rendered}]
        completion = self.provider.complete(messages, json_mode=False, name=self.prompt.name,
                                            metadata={"judge": False, "prompt": self.prompt.link()})
        return completion.text


def evaluate_prompt(
    dataset: str | Dataset,
    prompt: Prompt | str,
    model: str | Provider | None = None,
    metrics: Iterable[Metric] = (),
    *,
    variables: Mapping[str, str] | None = None,
    client: Client | None = None,
    experiment_metadata: Mapping[str, Any] | None = None,
    **options: Any,
) -> EvaluationResult:
    """Evaluate a prompt (a Prompt, or a name resolved with ``client.get_prompt``) with ``model``
    (a model string such as ``"openai/gpt-4o-mini"`` or a Provider) over a dataset.

    Other keyword arguments go to :func:`evaluate`. The experiment records the prompt version
    (``prompt_versions``) and ``{"prompt", "model", "provider"}`` in its metadata.
    """
    own_client = client is None
    client = client or Client(project=options.get("project"))
    try:
        found = client.get_prompt(prompt) if isinstance(prompt, str) else prompt
        provider = make_provider(model)
        metadata = {"prompt": found.link(), "model": provider.model, "provider": provider.provider_name,
                    **(experiment_metadata or {})}
        return evaluate(dataset, PromptTask(found, provider, variables), metrics, client=client,
                        experiment_metadata=metadata, prompts=[found, *(options.pop("prompts", None) or [])],
                        **options)
    finally:
        if own_client:
            client.close()
