"""Hands Django's TTS_* settings to the speech library (which imports nothing of Django): read
at each use, so a changed setting (a test's `settings` fixture, an override) takes effect."""


def _from_django(name, default):
    from django.conf import settings

    return getattr(settings, name, default)


def install():
    from speech import engines

    engines.set_settings_source(_from_django)
