"""The typed domain objects agents and the controller exchange (pydantic v2, extra="forbid")."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Finding(_Model):
    """A claim an agent makes from its own retrieved passages."""

    id: str = Field(description="'<agent>:r<round>:<n>', unique in a run")
    domain: str
    claim: str = Field(min_length=1)
    passage_ids: list[str] = Field(min_length=1, description="supporting retrieved passages")
    agent: str
    round: int = Field(0, ge=0, description="0 for the first retrieval, then exchange rounds")
    extractive: bool = Field(
        False, description="the claim is a retrieved sentence verbatim (LLM output unusable)"
    )
    entities: list[str] = Field(
        default_factory=list, description="ids of the entities it names (brainweave.knowledge)"
    )


class Message(_Model):
    """What one agent passed to another in an exchange round."""

    sender: str
    recipient: str
    findings: list[str] = Field(description="ids of the findings passed on")
    query: str | None = Field(None, description="the query the recipient ran from them")
    round: int = Field(1, ge=1)


class Counterfactual(_Model):
    """An altered version of a hypothesis, scored under the same evidence."""

    text: str
    perplexity: float | None = None
    kind: str | None = Field(None, description="'edit' or 'entity:<kind>'")
    original: str | None = Field(None, description="the words altered")
    altered: str | None = Field(None, description="what they became")


class Scores(_Model):
    """What the BrainBench scorer said of one statement: the one list of score fields
    that hypotheses, the review store, the sweep tables and the app all carry."""

    scorable: bool | None = Field(None, description="None until scored")
    reason: str | None = Field(None, description="why it is not scorable")
    plausibility: float | None = Field(
        None, ge=0.0, le=1.0, description="mean P(real) against each counterfactual"
    )
    p_vs_all: float | None = Field(
        None, ge=0.0, le=1.0, description="P(real) among itself and all its counterfactuals"
    )
    perplexity: float | None = None
    counterfactuals: list[Counterfactual] = Field(default_factory=list)
    memorised: bool = Field(False, description="the model may have seen it verbatim")
    model: str | None = Field(None, description="the scorer model")
    # what the number is, how sure, and how good the scorer is (scoring.plausibility)
    interval: list[float] | None = Field(
        None, description="95% interval of plausibility over its counterfactuals"
    )
    band: str | None = Field(None, description="'low', 'medium' or 'high'")
    meaning: str | None = Field(None, description="what the plausibility number is")
    scorer_quality: str | None = Field(
        None, description="the scorer's measured accuracy (BrainBench, single findings), with n"
    )

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "plausibility",
        "p_vs_all",
        "perplexity",
        "scorable",
        "score_reason",
        "memorised",
        "scorer",
        "n_counterfactuals",
    )

    def columns(self) -> dict[str, Any]:
        """The scores as flat table columns (:attr:`COLUMNS`: sweep tables, exports)."""
        return {
            "plausibility": self.plausibility,
            "p_vs_all": self.p_vs_all,
            "perplexity": self.perplexity,
            "scorable": self.scorable,
            "score_reason": self.reason,
            "memorised": self.memorised,
            "scorer": self.model,
            "n_counterfactuals": len(self.counterfactuals),
        }

    @model_validator(mode="before")
    @classmethod
    def _legacy_names(cls, data: Any) -> Any:
        """Records written before the fields had one home used other names."""
        if isinstance(data, dict):
            data = dict(data)
            for old, new in _LEGACY_SCORE_NAMES.items():
                if old in data:
                    value = data.pop(old)
                    data.setdefault(new, value)
        return data


_LEGACY_SCORE_NAMES = {
    "score_reason": "reason",
    "memorisation_flag": "memorised",
    "scorer": "model",
}
_LEGACY_HYPOTHESIS_SCORE_FIELDS = (
    "scorable",
    "score_reason",
    "plausibility",
    "p_vs_all",
    "perplexity",
    "counterfactuals",
    "memorisation_flag",
    "scorer",
)


class Edge(_Model):
    """One edge of a hypothesis's chain: subject -relation-> object, and what backs it."""

    subject: str = Field(description="entity id")
    subject_label: str
    relation: str = Field(description="'associated with', 'increased', 'reduced', ...")
    object: str = Field(description="entity id")
    object_label: str
    direction: str | None = Field(None, description="the direction words the cited sentence uses")
    domain: str | None = Field(None, description="the domain of the backing passage")
    passage_id: str | None = Field(None, description="a retrieved passage naming both entities")
    sentence: str | None = Field(None, description="the cited sentence")
    source: str = Field("passage", description="'passage' or a curated source")
    via: str | None = Field(None, description="the disease that links a curated edge")


class Novelty(_Model):
    """Whether a hypothesis's end-to-end link (A to C) is already stated somewhere."""

    status: Literal["known", "bridged"]
    a: str
    c: str
    passages: list[str] = Field(
        default_factory=list, description="passages naming A and C together (cited)"
    )
    counts: dict[str, int] = Field(
        default_factory=dict, description="per domain, passages naming A and C together"
    )
    linking_terms: int = Field(0, description="B-terms linking A and C in the retrieved evidence")
    checked: list[str] = Field(default_factory=list, description="domain indexes searched")


class Hypothesis(_Model):
    """A candidate cross-domain hypothesis, its citations and its scores."""

    id: str
    statement: str = Field(min_length=1)
    finding_ids: list[str] = Field(min_length=2)
    passage_ids: list[str] = Field(min_length=1)
    domains: list[str] = Field(min_length=2)
    bridge: list[str] = Field(
        default_factory=list, description="the shared entities that link its findings"
    )
    phrased_by: str = Field(
        "template", description="'llm', 'template' or 'structure' (shown as its chain)"
    )
    edges: list[Edge] = Field(default_factory=list, description="its typed chain, A -> B -> C")
    novelty: Novelty | None = None
    link_score: float | None = Field(None, description="the discovery ranking's score")
    scores: Scores = Field(default_factory=Scores)
    rank: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_flat_scores(cls, data: Any) -> Any:
        """Provenance records written before ``scores`` kept the score fields flat."""
        if isinstance(data, dict) and "scores" not in data:
            flat = {k: data[k] for k in _LEGACY_HYPOTHESIS_SCORE_FIELDS if k in data}
            if flat:
                data = {k: v for k, v in data.items() if k not in flat} | {"scores": flat}
        return data


class AgentIssue(_Model):
    """An agent that failed or fell back, reported while the run goes on."""

    agent: str
    stage: str
    message: str
