"""`money` puts an amount in the clinic's currency; `course_costs` estimates a plan."""

from __future__ import annotations

from decimal import Decimal

from django import template

from acuback.web.billing import presenters, service
from acuback.web.care.models import PlanRecord

register = template.Library()


@register.filter(name="money")
def money(amount: Decimal | int | None, currency: str = "") -> str:
    return presenters.money(amount, currency or service.currency())


@register.simple_tag
def course_costs(plan: PlanRecord) -> service.CourseCosts:
    """`{% course_costs plan as costs %}`: the plan's estimate, cover and payer caps."""
    return service.course_costs(plan)
