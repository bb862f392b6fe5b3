"""The site's Spanish: every word the pages can show is translated, the compiled catalog is the one
committed, and a wheel built from the checkout serves Spanish from wherever it is installed."""

from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.packaging import built_wheel, unpacked

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "callcenter" / "web"
PO = WEB / "locale" / "es" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[ds]")


def extracted_ids() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {
        "templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"},
        "**.py": {},
    }
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options, keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_word_on_the_pages_has_a_spanish_translation():
    catalog = read_po(PO.open("rb"))
    translated = {
        (message.id[0] if isinstance(message.id, tuple) else message.id): message for message in catalog if message.id
    }
    extracted = extracted_ids()
    assert len(extracted) > 50
    missing = sorted(extracted - set(translated))
    assert not missing, f"not in messages.po (run pybabel extract and update): {missing}"
    for text in extracted:
        message = translated[text]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"untranslated: {text!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, f"{text!r} -> {string!r}"


def test_the_committed_compiled_catalog_matches_the_po_file():
    catalog = read_po(PO.open("rb"))
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert compiled.ngettext(message.id[0], message.id[1], 1) == message.string[0]
            assert compiled.ngettext(message.id[0], message.id[1], 5) == message.string[1]
        else:
            assert compiled.gettext(message.id) == message.string, (
                f"{message.id!r}: messages.mo is stale; run pybabel compile -d src/callcenter/web/locale"
            )


def test_a_built_wheel_serves_spanish_and_the_map_from_its_own_files(tmp_path):
    wheel = built_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "callcenter/web/locale/es/LC_MESSAGES/messages.mo",
        "callcenter/web/templates/find.html",
        "callcenter/web/static/site.css",
        "callcenter/web/static/map.js",
        "callcenter/web/static/leaflet/leaflet.js",
        "callcenter/web/static/leaflet/leaflet.css",
        "callcenter/web/static/leaflet/LICENSE",
    ]:
        assert required in names, required
    site = unpacked(wheel, tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = """
import sys
from datetime import UTC, datetime
from starlette.testclient import TestClient
import callcenter.web.site as site
from callcenter.store import migrate, seed
from callcenter.store.db import Database
from callcenter.web.settings import SiteSettings
assert site.__file__.startswith(sys.argv[1]), site.__file__
db = Database(sys.argv[2])
migrate.upgrade(db)
seed.seed_demo(db, datetime.now(UTC))
client = TestClient(site.create_site(db, SiteSettings()))
page = client.get("/es/", params={"place": "Hartford"})
assert page.status_code == 200 and ">Buscar<" in page.text and "lugares encontrados" in page.text, page.text[:500]
assert client.get("/static/leaflet/leaflet.js").status_code == 200
print("served in Spanish")
"""
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", code, str(site), f"sqlite:///{tmp_path / 'w.db'}"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "served in Spanish" in result.stdout
