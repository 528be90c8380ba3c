"""Reports: a formulation's JSON rendered as text, Markdown, HTML or pictures.

Rendering reads the formulation's JSON only (``report``), the inline SVG
pictures (``pictures``, ``report_pictures``) and the what-if report
(``whatif_report``).

May import: ``ipt_expert.io``, ``ipt_expert.knowledge``, ``ipt_expert.case``,
``ipt_expert.reasoning``.
"""
