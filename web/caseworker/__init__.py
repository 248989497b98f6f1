"""The caseworker workspace: a complaint from first contact to its last letter, in the browser.

One blueprint (``caseworker``) with a view module per screen and its own templates under
``templates/caseworker/``. What other areas share (sign-in, access, form rendering, layout)
stays at ``web/``'s root.
"""

from __future__ import annotations

from web.caseworker import cases, events, inbox, intake, tasks
from web.caseworker.blueprint import bp

__all__ = ["bp", "cases", "events", "inbox", "intake", "tasks"]
