import logging
import re

from django.apps import AppConfig

# The development server logs each request line with its query string: the question
# asked at /ask/?q=... is left out, as everything a patient types is.
_QUESTION = re.compile(r"(/ask/\?)[^\s\"]*")


def _redacted(value: object) -> object:
    return _QUESTION.sub(r"\1(question not logged)", value) if isinstance(value, str) else value


class QuestionNotLogged(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        return True


class PublicConfig(AppConfig):
    name = "acuback.web.public"
    label = "public"
    verbose_name = "Public pages"

    def ready(self) -> None:
        for name in ("django.server", "django.request"):
            logger = logging.getLogger(name)
            if not any(isinstance(f, QuestionNotLogged) for f in logger.filters):
                logger.addFilter(QuestionNotLogged())
