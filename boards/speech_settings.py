"""Hands Django's TTS_* settings to the speech library (which imports nothing of Django): read
at each use, so a changed setting (a test's `settings` fixture, an override) takes effect."""

from django.conf import settings

from speech import engines


def _from_django(name, default):

    return getattr(settings, name, default)


def install():

    engines.set_settings_source(_from_django)
