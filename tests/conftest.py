"""Shared fixtures. The test database is migrated once and the demo province (Trà Vinh,
2024 structure) provisioned once per session; each test runs in a rolled-back transaction."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

DEMO_PROVINCE = "Trà Vinh"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("provision", structure="2024", province=[DEMO_PROVINCE], no_progress=True, stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Citizens' photos (private storage) go to a throwaway folder, not the checkout's var/.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` skips the password; here it skips the second factor too (signin/):
    the session is verified through django-otp with an authenticator app of the user's, as after
    typing its code. The sign-in itself, password then code, is tested through the real pages
    (tests/signin/, tests/browser/conftest.py `sign_in`)."""
    from django.test import Client

    force_login = Client.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        pass_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login_verified)


def pass_second_factor(client, user):
    """Mark the client's session verified (django-otp), with the user's app (made if missing)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The database rolls back after each test; the cache must not outlive it.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def province(db):
    from areas.models import AreaPage

    return AreaPage.objects.get(structure="2024", level="province", code="84")


@pytest.fixture
def district(db):
    """Huyện Càng Long, Trà Vinh (the district of An Trường)."""
    from areas.models import AreaPage

    return AreaPage.objects.get(structure="2024", level="district", code="844")


@pytest.fixture
def commune(db):
    """Xã An Trường, huyện Càng Long."""
    from areas.models import CommuneHomePage

    return CommuneHomePage.objects.get(structure="2024", short_name="An Trường")


@pytest.fixture
def other_commune(db):
    """Xã Đông Hải, huyện Duyên Hải: another district."""
    from areas.models import CommuneHomePage

    return CommuneHomePage.objects.get(structure="2024", short_name="Đông Hải")
