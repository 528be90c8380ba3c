"""Input and output: the floor every other layer stands on.

Reading YAML and JSON with line numbers (``yamlio``), the one writer of
terminal and file output (``output``, ``output_folder``, ``terminal``), signal
handling, the project's errors with their locations, the declared constants
(areas, formats, schools), where the shipped files are (``resources``) and the
one Jinja2 environment factory (``templating``), whose filters speak the
domain's words and are shared by rule sentences and reports alike.

May import: nothing of ipt_expert outside this package.
"""
