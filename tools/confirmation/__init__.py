"""Confirmation: nothing is deleted, replaced or cut off without a person's explicit yes, bound to
exactly what they saw, and (where four eyes applies) a second person's.

    claims      the signed plan a confirmation token carries
    previews    what a person sees: the target, the blast radius, a field-by-field diff
    protection  REGISTRY_PROTECTED / REGISTRY_APPROVAL_REQUIRED globs
    results     a prepared Change, the one ConfirmResult, what the engine needs of an operation
    records     the audit of every step
    approvals   four eyes: requests, decisions, expiry (re-check and apply handed in by the engine)
    handoffs    a yes no model can give: an assistant's change confirmed by its person in Slack
    checks      expiry, person, same request, single use
    engine      Confirmer: prepare → preview → yes → re-check → apply once

Arrows point one way: claims ← previews ← results ← records ← approvals ← engine.
"""

from tools.confirmation.approvals import Approval, Approvals, Card
from tools.confirmation.claims import Claims, TokenSigner
from tools.confirmation.engine import Confirmer
from tools.confirmation.handoffs import Handoff, Handoffs
from tools.confirmation.previews import FieldChange, Preview, Target
from tools.confirmation.results import Applied, Change, Confirmable, ConfirmResult, Pinned, Plan, Preparer, Ready

__all__ = [
    "Applied",
    "Approval",
    "Approvals",
    "Card",
    "Change",
    "Claims",
    "ConfirmResult",
    "Confirmable",
    "Confirmer",
    "FieldChange",
    "Handoff",
    "Handoffs",
    "Pinned",
    "Plan",
    "Preparer",
    "Preview",
    "Ready",
    "Target",
    "TokenSigner",
]
