"""Media on S3-compatible storage: the AWS_* variables of the environment reach django-storages,
which reads Django's settings only (before, the bucket and the endpoint were lost)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.files.storage import default_storage
print(default_storage.bucket_name, default_storage.endpoint_url, default_storage.url("boards/a.png"))
"""


def test_bucket_endpoint_and_custom_domain_come_from_the_environment():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "DJANGO_SETTINGS_MODULE": "tincoso.settings",
        "PYTHONPATH": f"{ROOT / 'site'}:{ROOT}",
        "AWS_STORAGE_BUCKET_NAME": "tincoso-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.tra-vinh.gov.vn:9000",
        "AWS_S3_CUSTOM_DOMAIN": "cdn.tra-vinh.gov.vn",
        "AWS_ACCESS_KEY_ID": "tincoso",
        "AWS_SECRET_ACCESS_KEY": "bi-mat",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "tincoso-media",
        "https://s3.tra-vinh.gov.vn:9000",
        "https://cdn.tra-vinh.gov.vn/boards/a.png",
    ]
