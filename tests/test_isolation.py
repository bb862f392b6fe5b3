"""Test runs sharing one PostgreSQL server never touch each other's databases or roles.

Two pytest runs start at once against the same server; both must pass. Leftovers of a run whose
process has died are swept by the next run; a live run's objects are never swept.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dbutil import PREFIX, Owner, ServerObjects, labelled_objects, sweep_leftovers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(postgres_ready):
    made = ServerObjects()
    yield made
    made.drop_all()


def _names() -> set[str]:
    return {name for _, name, _ in labelled_objects()}


def _dead_owner() -> Owner:
    """The label a run would carry whose process has since ended."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return Owner(Owner.this_process().host, int(finished.stdout), "1")


@pytest.mark.postgres
def test_leftovers_of_a_dead_run_are_swept_and_a_live_runs_are_kept(server):
    live_database, live_role = server.create_database("t"), server.create_role("console")
    dead = ServerObjects(_dead_owner())
    dead_database, dead_role = dead.create_database("tpl_demo_"), dead.create_role("console")

    swept = sweep_leftovers()

    # Another run sweeping at the same moment may be the one that drops them: gone is what counts.
    assert live_database not in swept and live_role not in swept
    names = _names()
    assert dead_database not in names and dead_role not in names
    assert {live_database, live_role} <= names


@pytest.mark.postgres
def test_a_pid_reused_by_another_process_does_not_keep_a_dead_runs_objects(server):
    """Same pid as this live process, but another start time: the run that made it is gone."""
    me = Owner.this_process()
    server.sweep_once()
    impostor = ServerObjects(Owner(me.host, me.pid, "0"))
    name = impostor.create_database("t")
    assert name in sweep_leftovers()


@pytest.mark.postgres
def test_another_hosts_objects_are_never_swept(server):
    server.sweep_once()
    remote = ServerObjects(Owner("some-other-host", 1, "1"))
    name = remote.create_database("t")
    try:
        assert name not in sweep_leftovers()
        assert name in _names()
    finally:
        remote.drop_all()


@pytest.mark.postgres
def test_a_run_drops_what_it_made_and_nothing_else(server):
    other = ServerObjects()
    theirs = other.create_database("t")
    mine = server.create_database("t")
    assert mine != theirs and mine.startswith(PREFIX) and theirs.startswith(PREFIX)

    assert server.drop_all() == []

    names = _names()
    assert mine not in names and theirs in names
    other.drop_all()
    assert theirs not in _names()


@pytest.mark.postgres
@pytest.mark.slow
def test_two_test_runs_at_once_on_one_server_both_pass(postgres_ready):
    """Each run builds its own templates and clones, sweeps at start and drops at the end meanwhile."""
    selection = [
        "tests/store/test_records.py",
        "tests/store/test_hsds.py::test_import_export_import_gives_the_same_directory",
        "-k",
        "postgres",
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *selection],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
        assert " passed" in output and "skipped" not in output, output[-3000:]
    pids = {str(run.pid) for run in runs}
    assert not [name for name in _names() if name.split("_")[1] in pids], "a run left objects behind"
