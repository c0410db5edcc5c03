import gc
import os

from django.core.wsgi import get_wsgi_application

from acuback.clinical.prepared import prepare
from acuback.knowledge.loader import knowledge_base

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuback.web.settings")
application = get_wsgi_application()
# A server worker loads the knowledge base and makes the engine's indexes as it starts
# (about 0.4 s), not on the first patient's intake.
prepare(knowledge_base())
# What is loaded by now (Django, the knowledge base, the engine's indexes) lives as long as
# the worker and can never be garbage: frozen, it is left out of every later collection,
# which would otherwise walk its objects each time (gc.freeze in the Python docs).
gc.freeze()
