"""The knowledge base: the rules as data, loaded, compiled and checked.

The vocabulary of fact types (``vocabulary``), JSON Schema validation that
speaks to the person who wrote a file (``validation``, used for rule, policy
and case files alike), the rule base's loading and compilation
(``rulebase``, with the condition model in ``conditions``), the worst-case
cost of a rule's joins (``joins``) and the safety rules that a pack may not
weaken (``safetyrules``).

May import: ``ipt_expert.io``.
"""
