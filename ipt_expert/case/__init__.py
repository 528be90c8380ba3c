"""The case: an interpersonal inventory read, validated and turned into facts.

Loading and cross-checking a case file (``loading``), the facts the engine
sees (``facts``), privacy warnings and redaction (``privacy``) and the
plausible span of a time before onset (``timespan``).

May import: ``ipt_expert.io``, ``ipt_expert.knowledge``.
"""
