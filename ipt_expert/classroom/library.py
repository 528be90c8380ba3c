"""Every import of the rest of ipt_expert that the classroom uses, gathered in one module.

The library's modules are moving into layer packages; when they do, this is
the one file to change.
"""
from __future__ import annotations

from ipt_expert.io.constants import AREAS, DEFAULT_SCHOOL
from ipt_expert.io.errors import CaseError
from ipt_expert.io.output import write_private_file
from ipt_expert.io.output_folder import csv_cell, csv_text
from ipt_expert.io.resources import shipped_rules_dir
from ipt_expert.knowledge.rulebase import load_knowledge_base
from ipt_expert.reasoning.engine import reasoner_for
from ipt_expert.reasoning.formulation import formulate
from ipt_expert.training.check import check_answer, parse_areas, render_check_text
from ipt_expert.training.class_sheet import COLUMNS as SHEET_COLUMNS
from ipt_expert.training.class_sheet import MAX_TRAINEE
from ipt_expert.training.class_sheet import _clean as clean_text
from ipt_expert.training.cohort import summarise
from ipt_expert.training.dashboard import _records as table_records
from ipt_expert.training.dashboard import charts, dashboard_files, dashboard_html, table_files
from ipt_expert.training.grading import by_trainee, grade_class, trainee_feedback
from ipt_expert.training.vignette_library import load_library, select

__all__ = ["AREAS", "DEFAULT_SCHOOL", "MAX_TRAINEE", "SHEET_COLUMNS", "CaseError", "by_trainee", "charts",
           "check_answer", "clean_text", "csv_cell", "csv_text", "dashboard_files", "dashboard_html", "formulate",
           "grade_class", "load_knowledge_base", "load_library", "parse_areas", "reasoner_for", "render_check_text",
           "select", "shipped_rules_dir", "summarise", "table_files", "table_records", "trainee_feedback",
           "write_private_file"]
