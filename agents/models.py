"""The typed domain objects agents and the controller exchange (pydantic v2, extra="forbid")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
    entities: list[str] = Field(default_factory=list, description="'kind:name' entities named")


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
    phrased_by: str = Field("template", description="'llm' or 'template'")
    scorable: bool | None = None
    score_reason: str | None = None
    plausibility: float | None = None
    p_vs_all: float | None = None
    perplexity: float | None = None
    counterfactuals: list[Counterfactual] = Field(default_factory=list)
    memorisation_flag: bool = False
    scorer: str | None = None
    rank: int | None = None


class AgentIssue(_Model):
    """An agent that failed or fell back, reported while the run goes on."""

    agent: str
    stage: str
    message: str
