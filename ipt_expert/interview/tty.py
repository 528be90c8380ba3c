"""The interview on a terminal, through questionary (prompt_toolkit).

questionary gives what a hand-written input loop would not: completion of the
allowed values as you type, the choices shown, inline refusal of an answer
with our message (the answer stays on the line to correct), and arrow-key
menus. Every prompt here raises KeyboardInterrupt on Ctrl-C (``unsafe_ask``),
so the conversation can offer to save a draft.
"""
from __future__ import annotations

from ipt_expert.interview.questions import Question
from ipt_expert.io.terminal import neutralise as clean


class TerminalIo:
    """The ``Io`` of interview_flow on a real terminal."""

    def say(self, text: str) -> None:
        from ipt_expert.io.output import echo

        echo(text)          # the one writer: control characters neutralised, a failed write is exit 5

    def ask(self, question: Question, default: str, validate) -> str:
        import questionary

        hint = question.hint()
        message = clean(question.text + (f" [{hint}]" if hint else ""))
        words = question.completions()
        if words:
            prompt = questionary.autocomplete(message, choices=words, default=default, validate=validate,
                                              match_middle=True, ignore_case=True)
        else:
            prompt = questionary.text(message, default=default, validate=validate)
        return prompt.unsafe_ask() or ""

    def menu(self, message: str, choices: list) -> str:
        import questionary

        return questionary.select(clean(message), choices=[clean(c) for c in choices],
                                  use_shortcuts=len(choices) <= 36).unsafe_ask()

    def confirm(self, message: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(clean(message), default=default).unsafe_ask())

    def text(self, message: str, default: str) -> str:
        import questionary

        return questionary.text(clean(message), default=default).unsafe_ask() or ""
