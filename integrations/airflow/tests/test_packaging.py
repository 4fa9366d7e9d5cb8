"""The core imports no Airflow, Flask or FAB; the glue modules at least compile."""

from __future__ import annotations

import py_compile
import subprocess
import sys

from conftest import PACKAGE_ROOT

GLUE = [
    "airflow2/security_manager.py",
    "airflow2/api_auth_backend.py",
    "airflow3/auth_manager.py",
    "airflow3/asgi.py",
    "airflow3/plugin.py",
]


def test_core_and_pure_modules_import_without_airflow():
    code = (
        "import sys; import airflow_airlock, airflow_airlock.airflow2, airflow_airlock.airflow3, airflow_airlock.runtime;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', 'flask', 'flask_appbuilder', 'flask_login'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE_ROOT / "src", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_glue_modules_compile(tmp_path):
    for relative in GLUE:
        py_compile.compile(str(PACKAGE_ROOT / "src" / "airflow_airlock" / relative), cfile=str(tmp_path / "x.pyc"), doraise=True)


def test_role_table_ships_with_the_package():
    pyproject = (PACKAGE_ROOT / "pyproject.toml").read_text()
    assert 'name = "airflow-airlock"' in pyproject
    assert "roles/default_roles.json" in pyproject


def test_every_error_code_is_documented():
    from airflow_airlock.errors import ALL_ERRORS

    from conftest import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "errors.md").read_text()
    for err in ALL_ERRORS:
        assert f"| `{err.code}` | {err.status} |" in doc, err.code
    assert len({e.code for e in ALL_ERRORS}) == len(ALL_ERRORS)
