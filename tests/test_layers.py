"""The three layers stay clean, and the wheel carries its styles and seed data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.packaging import built_wheel, unpacked

ROOT = Path(__file__).resolve().parents[1]


def _modules_loaded_by(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in json.loads(out.stdout)}


def test_domain_imports_neither_textual_nor_sqlalchemy():
    for module in [
        "callcenter.domain.model",
        "callcenter.domain.phone",
        "callcenter.domain.roles",
        "callcenter.domain.lines",
        "callcenter.domain.agent_states",
        "callcenter.domain.timefmt",
        "callcenter.domain.hsds",
    ]:
        loaded = _modules_loaded_by(module)
        assert not loaded & {"textual", "sqlalchemy", "sqlmodel", "alembic"}, module


def test_store_does_not_import_textual():
    loaded = _modules_loaded_by("callcenter.store.calls")
    assert "textual" not in loaded


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_ships_styles_and_seed_and_runs_outside_the_checkout(tmp_path):
    wheel = built_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "callcenter/styles/app.tcss",
        "callcenter/styles/board.tcss",
        "callcenter/seed/demo_agents.csv",
        "callcenter/seed/directory_parts.json",
        "callcenter/store/migrations/versions/0001_initial_schema.py",
        "callcenter/web_templates/app_index.html",
    ]:
        assert required in names, required
    site = unpacked(wheel, tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    db_url = f"sqlite:///{tmp_path / 'w.db'}"
    code = (
        "import callcenter.resources as r, callcenter.cli as c, sys;"
        "assert str(r.styles_dir()).startswith(sys.argv[1]), r.styles_dir();"
        "sys.exit(c.main(['--database-url', sys.argv[2], 'seed', '--demo']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(site), db_url], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "320 providers added" in result.stdout
