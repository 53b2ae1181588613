"""The names of the fields the domain's messages name (`{field}` in "Please enter a
{field}."): written in English where the rule is, translated where the message is shown,
so that a Welsh message says "teitl", not "title". Their catalogue context is "field"
(`Locale.message` looks them up in it): "text" the field is not "text" elsewhere."""

from __future__ import annotations

from app.i18n import NP_

FIELDS = (
    NP_("field", "text"),
    NP_("field", "title"),
    NP_("field", "setting"),
    NP_("field", "name"),
    NP_("field", "goal"),
    NP_("field", "reason"),
    NP_("field", "override_reason"),
    NP_("field", "role"),
    NP_("field", "organisation"),
)
"""Every `field=` that app/domain passes to `clean_text` (tests/i18n checks)."""
