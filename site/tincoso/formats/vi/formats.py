# Vietnamese input formats: day first, as the admin's date pickers write them
# (WAGTAIL_DATE_FORMAT = "%d/%m/%Y"); Django's own "vi" locale has none, so "03/12/2026" would
# be read as 12 March. Display formats stay Django's.
from django.conf.locale.vi.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
]
