"""The training side: trainees' answers checked, classes graded, the library.

Checking an answer against a key (``check``, ``rationale``, ``answersheet``),
the vignette library (``vignette_library``), evaluating the rules against
every key (``evaluation``, ``evaluation_html``), exercise packs and class
grading with agreement statistics and a dashboard (``exercise_pack``,
``class_sheet``, ``grading``, ``cohort``, ``cohort_charts``, ``agreement``,
``dashboard``).

May import: every layer below it (``io``, ``knowledge``, ``case``,
``reasoning``, ``reports``).
"""
