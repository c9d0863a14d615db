"""A koordinator creates a cluster from the chat: name, kabupaten, commodity, zone, approval."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.domain import (
    CLUSTER_ZONES,
    Actor,
    ClusterInfo,
    InvalidInput,
    NotAllowed,
    cluster_zone,
)
from bot.flows import Flow
from bot.services import clusters as cluster_service
from bot.services.text_fields import CLUSTER_NAME_MAX, PLACE_MAX, clean_text
from db.uow import UnitOfWork


class Step(StrEnum):
    NAME = "name"
    KABUPATEN = "kabupaten"
    COMMODITY = "commodity"
    ZONE = "zone"
    APPROVAL = "approval"


FLOW = Flow("cluster_setup", Step, stale="cluster_setup_step")


@dataclass(frozen=True)
class SetupView:
    step: Step
    data: dict[str, Any]


def _only_kabupaten(actor: Actor) -> str | None:
    """A koordinator scoped to exactly one kabupaten need not type it."""
    if any(r.is_province_wide for r in actor.roles):
        return None
    names = {r.kabupaten for r in actor.roles if r.kabupaten}
    return names.pop() if len(names) == 1 else None


async def begin(uow: UnitOfWork, actor: Actor) -> SetupView:
    """Only a koordinator with a province or kabupaten scope may create clusters."""
    if not any(r.is_province_wide or r.kabupaten for r in actor.roles if r.role == "koordinator"):
        raise NotAllowed("create_cluster")
    await FLOW.save(uow, actor.telegram_user_id, Step.NAME, {})
    await uow.commit()
    return SetupView(Step.NAME, {})


async def current(uow: UnitOfWork, actor: Actor) -> SetupView:
    """Where the cluster being created is (StaleAction when it is not)."""
    step, data = await FLOW.require(uow, actor.telegram_user_id)
    return SetupView(step, data)


async def submit_text(uow: UnitOfWork, actor: Actor, text: str | None) -> SetupView:
    """Take the typed answer for the current step."""
    step, data = await FLOW.require(uow, actor.telegram_user_id)
    if step is Step.NAME:
        name = clean_text(text, max_length=CLUSTER_NAME_MAX)
        if await uow.clusters.name_taken(name):
            raise InvalidInput("cluster_name_taken")
        data["name"] = name
        fixed = _only_kabupaten(actor)
        if fixed:
            data["kabupaten"] = fixed
            step = Step.COMMODITY
        else:
            step = Step.KABUPATEN
    elif step is Step.KABUPATEN:
        kabupaten = clean_text(text, max_length=PLACE_MAX)
        if not actor.can_create_cluster_in(kabupaten):
            raise InvalidInput("kabupaten_out_of_scope")
        data["kabupaten"] = kabupaten
        step = Step.COMMODITY
    elif step is Step.COMMODITY:
        data["commodity"] = clean_text(text, max_length=PLACE_MAX)
        step = Step.ZONE
    elif step is Step.ZONE:
        raise InvalidInput("use_buttons_zone")
    else:
        raise InvalidInput("use_buttons_approval")
    await FLOW.save(uow, actor.telegram_user_id, step, data)
    await uow.commit()
    return SetupView(step, data)


async def choose_zone(uow: UnitOfWork, actor: Actor, zone: str) -> SetupView:
    """The zone button: WIB, WITA or WIT; then the approval question."""
    _, data = await FLOW.require(uow, actor.telegram_user_id, Step.ZONE)
    data["timezone"] = cluster_zone(zone)
    await FLOW.save(uow, actor.telegram_user_id, Step.APPROVAL, data)
    await uow.commit()
    return SetupView(Step.APPROVAL, data)


async def finish(uow: UnitOfWork, actor: Actor, *, requires_approval: bool) -> ClusterInfo:
    """Create the cluster with what was entered."""
    _, data = await FLOW.require(uow, actor.telegram_user_id, Step.APPROVAL)
    await FLOW.clear(uow, actor.telegram_user_id)
    return await cluster_service.create_cluster(
        uow,
        name=data["name"],
        kabupaten=data["kabupaten"],
        commodity=data["commodity"],
        # A setup begun before the zone step existed has none: WIB, the default.
        timezone=data.get("timezone", CLUSTER_ZONES["WIB"]),
        requires_approval=requires_approval,
        actor=actor,
    )
