"""Every import of the rest of ipt_expert that the web app uses, gathered in one module.

The library's modules are moving into layer packages; when they do, this is
the one file to change. Absolute imports only. The web app never reasons
about a case itself: everything it shows comes from these functions, the
same ones the CLI calls.
"""
from __future__ import annotations
