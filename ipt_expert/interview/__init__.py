"""The guided interview: a case built question by question.

What to ask and how an everyday answer becomes a field's value
(``questions``), the order and the follow-up questions (``flow``) and the
terminal front end (``tty``).

May import: every layer below it (``io`` to ``training``).
"""
