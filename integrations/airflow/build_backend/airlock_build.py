"""A PEP 517 build backend in the standard library only, so the package installs offline with nothing but pip.

    pip install --no-deps --no-build-isolation ./integrations/airflow     # offline, any Python >= 3.9 with pip

setuptools needs the ``wheel`` package before 70.1 and is absent from Python 3.12 venvs; neither can be fetched
on an air-gapped Airflow image. This backend needs neither: it reads ``[project]`` from pyproject.toml and writes
the wheel (PEP 427), the sdist and an editable wheel (PEP 660) itself. Everything under src/airflow_airlock except
caches is packaged (the role table JSON included). Nothing is written into the source tree.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = "airflow_airlock"
#: Reproducible archives: every entry gets this time (zip cannot store dates before 1980).
EPOCH = (1980, 1, 1, 0, 0, 0)
TAG = "py3-none-any"


# -- pyproject.toml ---------------------------------------------------------------------------------------------------

def read_pyproject(path: Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    """The parsed pyproject.toml: tomllib (3.11+), else tomli when installed, else this module's small reader."""
    text = path.read_text(encoding="utf-8")
    try:
        import tomllib  # type: ignore[import-not-found]

        return tomllib.loads(text)
    except ModuleNotFoundError:
        pass
    try:
        import tomli  # type: ignore[import-not-found]

        return tomli.loads(text)
    except ModuleNotFoundError:
        return parse_simple_toml(text)


_KEY = r"[A-Za-z0-9_-]+"
_STRING = r'"(?:[^"\\]|\\.)*"'


def _string(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _value(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(_STRING, text):
        return _string(text)
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        items = re.findall(_STRING, inner)
        if re.sub(_STRING, "", inner).replace(",", "").strip():
            raise ValueError(f"pyproject.toml: only arrays of strings are supported here: {text!r}")
        return [_string(i) for i in items]
    if text.startswith("{") and text.endswith("}"):
        out: dict[str, Any] = {}
        for m in re.finditer(rf"({_KEY})\s*=\s*({_STRING})", text[1:-1]):
            out[m.group(1)] = _string(m.group(2))
        return out
    raise ValueError(f"pyproject.toml: unsupported value {text!r}")


def parse_simple_toml(text: str) -> dict[str, Any]:
    """The TOML this project's pyproject.toml uses: [tables], strings, booleans, string arrays, inline string tables."""
    data: dict[str, Any] = {}
    table = data
    pending: tuple[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if pending is not None:
            key, acc = pending
            acc += " " + re.sub(r"\s#.*$", "", line)
            if acc.rstrip().endswith("]"):
                table[key] = _value(acc)
                pending = None
            else:
                pending = (key, acc)
            continue
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[([A-Za-z0-9_.-]+)\]", line)
        if header:
            table = data
            for part in header.group(1).split("."):
                table = table.setdefault(part, {})
            continue
        m = re.fullmatch(rf"({_KEY}|{_STRING})\s*=\s*(.+?)\s*(#.*)?", line)
        if not m:
            raise ValueError(f"pyproject.toml: cannot read line {raw!r}")
        key = _string(m.group(1)) if m.group(1).startswith('"') else m.group(1)
        value = m.group(2)
        if value.startswith("[") and not value.endswith("]"):
            pending = (key, value)
            continue
        table[key] = _value(value)
    if pending is not None:
        raise ValueError("pyproject.toml: an array is not closed")
    return data


# -- metadata ---------------------------------------------------------------------------------------------------------

def _project() -> dict[str, Any]:
    project = read_pyproject().get("project")
    if not isinstance(project, dict) or not project.get("name") or not project.get("version"):
        raise ValueError("pyproject.toml: [project] needs name and version")
    return project


def _dist_name(project: dict[str, Any]) -> str:
    return re.sub(r"[-_.]+", "_", project["name"]).lower()


def metadata_text(project: dict[str, Any]) -> str:
    """Core metadata 2.1 (METADATA / PKG-INFO) from [project]."""
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}"]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    license_ = project.get("license")
    if isinstance(license_, dict) and license_.get("text"):
        lines.append(f"License: {license_['text']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    for dep in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {dep}")
    for extra, deps in sorted(project.get("optional-dependencies", {}).items()):
        lines.append(f"Provides-Extra: {extra}")
        for dep in deps:
            lines.append(f'Requires-Dist: {dep}; extra == "{extra}"')
    readme = project.get("readme")
    body = ""
    if isinstance(readme, str):
        lines.append("Description-Content-Type: text/markdown" if readme.endswith(".md") else "Description-Content-Type: text/plain")
        body = (ROOT / readme).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n\n" + body


def _wheel_text() -> str:
    return f"Wheel-Version: 1.0\nGenerator: airlock_build\nRoot-Is-Purelib: true\nTag: {TAG}\n"


def _package_files() -> list[tuple[str, bytes]]:
    """(archive name, bytes) of every file of the package, sorted; caches left out."""
    out = []
    for path in sorted((SRC / PACKAGE).rglob("*")):
        rel = path.relative_to(SRC)
        if path.is_dir() or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo") or rel.parts[0].endswith(".egg-info"):
            continue
        out.append((rel.as_posix(), path.read_bytes()))
    return out


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(directory: str, files: list[tuple[str, bytes]], project: dict[str, Any]) -> str:
    dist = _dist_name(project)
    info = f"{dist}-{project['version']}.dist-info"
    entries = files + [
        (f"{info}/METADATA", metadata_text(project).encode("utf-8")),
        (f"{info}/WHEEL", _wheel_text().encode("utf-8")),
        (f"{info}/top_level.txt", f"{PACKAGE}\n".encode("utf-8")),
    ]
    record = "\n".join([_record_line(n, d) for n, d in entries] + [f"{info}/RECORD,,"]) + "\n"
    entries.append((f"{info}/RECORD", record.encode("utf-8")))
    name = f"{dist}-{project['version']}-{TAG}.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in entries:
            entry = zipfile.ZipInfo(arcname, date_time=EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data)
    return name


# -- PEP 517 / PEP 660 hooks ------------------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: Any = None) -> list[str]:
    return []


def get_requires_for_build_editable(config_settings: Any = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Any = None) -> str:
    project = _project()
    info = f"{_dist_name(project)}-{project['version']}.dist-info"
    target = Path(metadata_directory) / info
    target.mkdir(parents=True, exist_ok=True)
    (target / "METADATA").write_text(metadata_text(project), encoding="utf-8")
    (target / "WHEEL").write_text(_wheel_text(), encoding="utf-8")
    return info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: str | None = None) -> str:
    return _write_wheel(wheel_directory, _package_files(), _project())


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: str | None = None) -> str:
    """An editable wheel: a .pth file putting src/ on sys.path, so edits take effect without reinstalling."""
    project = _project()
    pth = (f"{_dist_name(project)}.pth", (str(SRC) + "\n").encode("utf-8"))
    return _write_wheel(wheel_directory, [pth], project)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    project = _project()
    base = f"{_dist_name(project)}-{project['version']}"
    files: list[tuple[str, bytes]] = [
        ("pyproject.toml", (ROOT / "pyproject.toml").read_bytes()),
        ("PKG-INFO", metadata_text(project).encode("utf-8")),
        ("build_backend/airlock_build.py", Path(__file__).read_bytes()),
    ]
    if isinstance(project.get("readme"), str):
        files.append((project["readme"], (ROOT / project["readme"]).read_bytes()))
    files += [(f"src/{name}", data) for name, data in _package_files()]
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for arcname, data in sorted(files):
            entry = tarfile.TarInfo(f"{base}/{arcname}")
            entry.size = len(data)
            entry.mtime = int(time.mktime((*EPOCH, 0, 0, -1)))
            entry.mode = 0o644
            tf.addfile(entry, io.BytesIO(data))
    return name
