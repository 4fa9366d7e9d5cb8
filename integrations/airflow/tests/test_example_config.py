"""The documented webserver_config.py (the example file and the doc's snippet) is the one that works.

FAB reads AUTH_ROLE_PUBLIC at start and creates that role: ``None`` makes it insert a role without a name at every
start (an IntegrityError in the log), so the documented config leaves it unset (FAB's default "Public", which
Airflow keeps without permissions).
"""

from __future__ import annotations

import ast
import re

from conftest import PACKAGE_ROOT, REPO_ROOT

EXAMPLE = PACKAGE_ROOT / "examples" / "webserver_config.py"
DOC = REPO_ROOT / "docs" / "airflow-integration.md"


def _assignments(source: str) -> dict[str, str]:
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = ast.dump(node.value)
    return out


def _doc_snippet() -> str:
    section = DOC.read_text().split("## Airflow 2.7 - 2.10 (FAB)", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the Airflow 2 section shows webserver_config.py"
    return match.group(1)


def test_the_example_leaves_auth_role_public_unset_and_uses_the_airlock_security_manager():
    example = _assignments(EXAMPLE.read_text())
    assert "AUTH_ROLE_PUBLIC" not in example
    assert example["AUTH_TYPE"] == ast.dump(ast.Name("AUTH_REMOTE_USER", ast.Load()))
    assert example["SECURITY_MANAGER_CLASS"] == ast.dump(ast.Name("AirlockSecurityManager", ast.Load()))
    assert example["AUTH_USER_REGISTRATION"] == ast.dump(ast.Constant(False))
    assert example["WTF_CSRF_ENABLED"] == ast.dump(ast.Constant(True)), "Airflow's forms (Log Out included) keep their CSRF check"


def test_the_docs_snippet_is_the_example_and_sets_no_auth_role_public():
    snippet = _assignments(_doc_snippet())
    example = _assignments(EXAMPLE.read_text())
    assert "AUTH_ROLE_PUBLIC" not in snippet
    assert snippet, "the snippet assigns the settings"
    for name, value in snippet.items():
        assert example.get(name) == value, f"{name} differs between the doc and the example"
    # mentioned only as what not to do, never as a config line
    assert not re.search(r"^\s*AUTH_ROLE_PUBLIC\s*=\s*None", DOC.read_text(), re.M)
