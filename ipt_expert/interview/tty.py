"""The interview on a terminal, through questionary (prompt_toolkit).

questionary gives what a hand-written input loop would not: completion of the
allowed values as you type, the choices shown, and arrow-key menus. A refused
answer is not checked inside the prompt: the prompt ends, the conversation says
why (our message, with a did-you-mean) and asks again on an empty line, so the
refused text is never left on the line for the next answer to be typed onto
(issue 20.6). Every prompt here raises KeyboardInterrupt on Ctrl-C (``unsafe_ask``),
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
        """The answer as typed; ``validate`` is left to the conversation (see the module's docstring)."""
        import questionary

        hint = question.hint()
        message = clean(question.text + (f" [{hint}]" if hint else ""))
        words = question.completions()
        if words:
            prompt = questionary.autocomplete(message, choices=words, default=default, match_middle=True,
                                              ignore_case=True)
        else:
            prompt = questionary.text(message, default=default)
        return prompt.unsafe_ask() or ""

    def menu(self, message: str, choices: list) -> str:
        import questionary

        return questionary.select(clean(message), choices=[clean(c) for c in choices],
                                  use_shortcuts=len(choices) <= 36).unsafe_ask()

    def confirm(self, message: str, default: bool) -> bool:
        import questionary

        # Enter confirms, as at every other prompt: with a one-key confirmation, the Enter typed after
        # 'y' out of habit answered the next question, which was skipped unseen (issue 20.5).
        return bool(questionary.confirm(clean(message), default=default, auto_enter=False).unsafe_ask())

    def text(self, message: str, default: str) -> str:
        import questionary

        return questionary.text(clean(message), default=default).unsafe_ask() or ""
