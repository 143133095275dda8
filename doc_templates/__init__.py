"""The documents landbot writes: Word templates, the context builder, rendering and PDF.

The document types are data every layer needs (the CLI's choices among them), so they live
here, where importing them costs nothing.
"""

DOC_TYPES = ("reserve_plan", "supply_plan", "approval_memo")
DOC_LABELS = {"reserve_plan": "储备方案", "supply_plan": "供地方案", "approval_memo": "审批呈报单"}
# The plan kinds each document can be made from.
DOC_KINDS = {
    "reserve_plan": ("reserve_plan",),
    "supply_plan": ("supply_plan",),
    "approval_memo": ("reserve_plan", "supply_plan"),
}
