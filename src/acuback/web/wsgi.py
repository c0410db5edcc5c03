import gc
import os

from django.core.wsgi import get_wsgi_application

from acuback.clinical.prepared import prepare
from acuback.knowledge.loader import knowledge_base

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuback.web.settings")
application = get_wsgi_application()


def start_worker() -> None:
    """What a server worker does once Django is loaded, before its first request.

    It loads the knowledge base and makes the engine's indexes (about 0.6 s), not on the
    first patient's intake. Then what is loaded by now (Django, the knowledge base, the
    indexes) lives as long as the worker and can never be garbage: frozen, it is left out
    of every later collection, which would otherwise walk its objects each time (gc.freeze
    in the Python docs). bench/pages.py starts the same way before it measures.
    """
    prepare(knowledge_base())
    gc.freeze()


start_worker()
