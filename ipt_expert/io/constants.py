"""Names every layer agrees on: problem areas, grief schools, output formats.

Import-free on purpose: the command line (for its choices and help), the
library and the checks all read these, and none of them should pay for, or
create a cycle through, anything else to do so.  What an area *means* (its
name, goals, sources) is clinical content and lives in rules/policy.yaml.
"""

VERSION = "0.1.0"

# The four IPT problem areas, by id, in the order the README and the case schema list them.
AREAS = ("grief", "role_dispute", "role_transition", "interpersonal_deficits")

# What an answer key (or a trainee) says when no area has evidence yet: no focus can be suggested
# until the inventory is completed (issue 9.5). Not an area: it never enters the area ranking.
NO_FOCUS = "none"

# Grief schools: 'strict' (Guide 2018: only a death is grief) and 'broad'
# (Stuart & Robertson 2012: grief and loss).  The first is the default.
GRIEF_SCHOOLS = ("strict", "broad")
DEFAULT_SCHOOL = GRIEF_SCHOOLS[0]

# Rule kinds, as rule files name them.
RULE_KINDS = ("evidence", "flag", "missing", "note")

# Output formats, per command.
REPORT_FORMATS = ("text", "markdown", "html", "json")
EVALUATION_FORMATS = ("text", "markdown", "csv", "json", "html")
CHECK_FORMATS = ("text", "json")
EXPLAIN_FORMATS = ("text", "json")
WHATIF_FORMATS = REPORT_FORMATS
VIGNETTE_LIST_FORMATS = ("text", "json")
EXERCISE_PACK_FORMATS = ("html", "markdown")
# What a file's suffix promises: the formats that may be written under it, the first chosen when no
# --format is given. .txt holds any plain-text format; the others exactly theirs (ipt_expert/io/output.py).
SUFFIX_FORMATS = {".txt": ("text", "markdown", "csv"), ".text": ("text", "markdown", "csv"),
                  ".md": ("markdown",), ".markdown": ("markdown",), ".html": ("html",), ".htm": ("html",),
                  ".json": ("json",), ".csv": ("csv",)}

# The longest report any command writes (the largest case gives well under 1 MB); a template or a
# formulation past it is stopped (io/templating.py, reports/report.py).
MAX_REPORT_CHARS = 5_000_000
