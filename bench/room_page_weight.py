"""What the live room page weighs on first load: its HTML, stylesheet and scripts, raw and
gzipped, for the host and for a learner of the demo course.

    .venv/bin/python bench/room_page_weight.py

It seeds the demo network into a throwaway SQLite database, signs in as expert@example.org
(host) and learner@example.org, and adds up what the browser fetches. A benchmark prints
figures; it is not a test.
"""

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    database = Path(tempfile.mkdtemp()) / "weight.sqlite3"
    os.environ.update(
        DEBUG="1", SQLITE_PATH=str(database), DJANGO_SETTINGS_MODULE="diaspora.settings"
    )
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client

    from diaspora.accounts.models import User
    from mentoring.scheduling.models import LiveSession

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    session = LiveSession.objects.filter(always_open=True).first()
    if session is None:
        sys.exit("The demo should have an open room.")
    for email in ("expert@example.org", "learner@example.org"):
        client = Client()
        client.force_login(User.objects.get(email=email))
        html = client.get(f"/sessions/{session.pk}/room/").content
        parts = [html]
        for asset in re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html):
            found = finders.find(asset.decode())
            parts.append(Path(str(found)).read_bytes())
        raw = sum(len(part) for part in parts)
        zipped = sum(len(gzip.compress(part, 9)) for part in parts)
        print(
            f"{email:>22}: {len(parts)} files, {raw / 1024:.1f} KiB raw, "
            f"{zipped / 1024:.1f} KiB gzipped"
        )


if __name__ == "__main__":
    main()
