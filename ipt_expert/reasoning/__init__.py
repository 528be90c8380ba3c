"""The reasoner: facts in, evidence and a ranked formulation out.

The one door to experta (``_experta``), the engine that fires the rules
(``engine``), certainty factors (``scoring``), the formulation with its
ranking, focus, flags and missing information (``formulation``, ``draft``,
``picture_data``), and the questions asked of a formulation: HOW and WHY NOT
(``matching``, ``explain``), what-if on a running engine (``changes``,
``session``, ``whatif``, ``information``) and the rule checks that run the
rules' own examples (``rulechecks``, ``ruletools``).

May import: ``ipt_expert.io``, ``ipt_expert.knowledge``, ``ipt_expert.case``.
"""
