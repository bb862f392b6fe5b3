"""`directory import` reads only the package it is given: no file outside its folder, no device, no
file of gigabytes, and a value too long to be real cuts the file with a row that says so."""

from __future__ import annotations

import json
import os

import pytest

from callcenter.store import hsds
from callcenter.store.hsds import read

HEADER = "id,name,description\n"


def package(folder, resources=None, organizations: str = HEADER + "org-1,Elm Street Pediatrics,Care\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "organizations.csv").write_text(organizations, encoding="utf-8")
    if resources is not None:
        (folder / "datapackage.json").write_text(json.dumps({"resources": resources}), encoding="utf-8")
    return folder


def test_a_datapackage_naming_files_outside_its_folder_is_refused_for_them(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "organizations.csv").write_text(HEADER + "stolen,Not In The Package,secret\n", encoding="utf-8")
    folder = package(
        tmp_path / "pkg",
        [
            {"name": "organization", "path": "../outside/organizations.csv"},
            {"name": "service", "path": "/etc/passwd"},
        ],
    )
    read_in = hsds.read_package(folder)
    names = [row.values.get("name") for row in read_in.rows]
    assert names == ["Elm Street Pediatrics"]  # the package's own file, by its standard name
    refused = [bad.reason for bad in read_in.bad if "outside" in bad.reason]
    assert len(refused) == 2, read_in.bad
    assert all("only files inside the package are read" in reason for reason in refused)


def test_a_package_file_linked_to_somewhere_else_is_not_read(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    secret = tmp_path / "secret.csv"
    secret.write_text(HEADER + "x,Secret Name,from elsewhere\n", encoding="utf-8")
    os.symlink(secret, folder / "organizations.csv")
    with pytest.raises(hsds.PackageError):  # nothing left to read: no tables in the package
        hsds.read_package(folder)


def test_a_device_or_a_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    with pytest.raises(hsds.PackageError) as device:
        hsds.read_package("/dev/zero")
    assert "not a file nor a folder" in device.value.message

    big = tmp_path / "directory.json"
    big.write_text("[" + ",".join(["{}"] * 1000) + "]", encoding="utf-8")
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 1000)
    with pytest.raises(hsds.PackageError) as huge:
        hsds.read_package(big)
    assert "at most" in huge.value.message


def test_a_value_too_long_to_be_real_cuts_the_file_with_a_row_that_says_so(tmp_path):
    long_value = "x" * 1_000_000
    folder = package(
        tmp_path / "pkg",
        organizations=HEADER + "org-1,First Office,ok\n" + f'org-2,Second Office,"{long_value}"\n' + "org-3,Third,ok\n",
    )
    read_in = hsds.read_package(folder)
    assert [row.values.get("name") for row in read_in.rows] == ["First Office"]
    [cut] = [bad for bad in read_in.bad if "longer than" in bad.reason]
    assert "the rest of the file was not read" in cut.reason and cut.file == "organizations.csv"
