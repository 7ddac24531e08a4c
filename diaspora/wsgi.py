"""WSGI entry point, for tools that want one; production serves ASGI with Daphne."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diaspora.settings")

application = get_wsgi_application()
