"""The core imports no Airflow, Flask or FAB; the glue modules at least compile; the package installs offline."""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
import tarfile
import zipfile

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


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts)


def test_installs_offline_with_pip_no_deps_no_build_isolation(tmp_path):
    """The documented install: no index, no build dependencies, nothing written into the source tree."""
    before = _tree(PACKAGE_ROOT)
    target = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir",
         "--disable-pip-version-check", "--target", str(target), str(PACKAGE_ROOT)],
        capture_output=True, text=True, env={**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _tree(PACKAGE_ROOT) == before, "the build left files in the source tree"
    check = (
        "import airflow_airlock, json, sys; from airflow_airlock import RoleTable;"
        "assert airflow_airlock.__file__.startswith(sys.argv[1]), airflow_airlock.__file__;"
        "RoleTable.default(); print('ok')"
    )
    used = subprocess.run([sys.executable, "-c", check, str(target)], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(target)})
    assert used.stdout.strip() == "ok", used.stdout + used.stderr
    (info,) = target.glob("airflow_airlock-*.dist-info")
    metadata = (info / "METADATA").read_text()
    assert "Name: airflow-airlock" in metadata and "Requires-Dist: PyJWT>=2.6" in metadata
    assert "Requires-Python: >=3.9" in metadata


def test_the_build_backend_needs_neither_setuptools_nor_wheel(tmp_path):
    """Airflow images may lack both (setuptools < 70.1 needs wheel; Python 3.12 venvs have no setuptools)."""
    code = (
        "import sys; sys.modules['setuptools'] = None; sys.modules['wheel'] = None;"
        f"sys.path.insert(0, {str(PACKAGE_ROOT / 'build_backend')!r}); import airlock_build as b;"
        "print(b.build_wheel(sys.argv[1])); print(b.build_sdist(sys.argv[1])); print(b.build_editable(sys.argv[2]))"
    )
    (tmp_path / "editable").mkdir()
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(tmp_path / "editable")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    wheel, sdist, editable = result.stdout.split()
    assert wheel == "airflow_airlock-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(tmp_path / wheel) as zf:
        names = zf.namelist()
        assert "airflow_airlock/roles/default_roles.json" in names, "the role table ships with the package"
        assert "airflow_airlock/airflow2/security_manager.py" in names
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        record = zf.read("airflow_airlock-0.1.0.dist-info/RECORD").decode()
        assert all(f"{n}," in record for n in names)
    with tarfile.open(tmp_path / sdist) as tf:
        assert "airflow_airlock-0.1.0/build_backend/airlock_build.py" in tf.getnames()
        assert "airflow_airlock-0.1.0/src/airflow_airlock/roles/default_roles.json" in tf.getnames()
    with zipfile.ZipFile(tmp_path / "editable" / editable) as zf:
        assert zf.read("airflow_airlock.pth").decode().strip() == str(PACKAGE_ROOT / "src")


def test_the_backends_own_toml_reader_reads_pyproject_like_tomllib():
    """On Python 3.9/3.10 without tomli the backend reads pyproject.toml itself: the same result as tomllib."""
    import tomllib

    sys.path.insert(0, str(PACKAGE_ROOT / "build_backend"))
    try:
        import airlock_build
    finally:
        sys.path.pop(0)
    text = (PACKAGE_ROOT / "pyproject.toml").read_text()
    assert airlock_build.parse_simple_toml(text) == tomllib.loads(text)


def test_every_error_code_is_documented():
    from airflow_airlock.errors import ALL_ERRORS

    from conftest import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "errors.md").read_text()
    for err in ALL_ERRORS:
        assert f"| `{err.code}` | {err.status} |" in doc, err.code
    assert len({e.code for e in ALL_ERRORS}) == len(ALL_ERRORS)
