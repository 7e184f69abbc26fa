"""Where uploads are kept: the file system or an S3 bucket, chosen by DJANGO_STORAGE."""

import io
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from moto import mock_aws
from PIL import Image

from balitracker.settings import uploads_storage
from meetings.models import Document
from tests.factories import MeetingFactory

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BUCKET = "balitracker-uploads"


def test_uploads_are_kept_on_the_file_system_by_default():
    assert uploads_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert uploads_storage({"DJANGO_STORAGE": "filesystem"})["BACKEND"].endswith("FileSystemStorage")


def test_s3_storage_takes_the_bucket_region_endpoint_and_prefix_from_the_environment():
    storage = uploads_storage(
        {
            "DJANGO_STORAGE": "S3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_REGION_NAME": "ap-southeast-2",
            "AWS_S3_ENDPOINT_URL": "https://objects.example.org",
            "AWS_LOCATION": "/uploads/",
        }
    )

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == BUCKET
    assert options["region_name"] == "ap-southeast-2"
    assert options["endpoint_url"] == "https://objects.example.org"
    assert options["location"] == "uploads"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True


def test_s3_storage_leaves_region_and_endpoint_to_boto3_when_unset():
    options = uploads_storage({"DJANGO_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": BUCKET})["OPTIONS"]
    assert options["region_name"] is None
    assert options["endpoint_url"] is None
    assert options["location"] == ""


def test_s3_storage_without_a_bucket_is_refused_with_its_reason():
    with pytest.raises(ImproperlyConfigured, match="needs AWS_STORAGE_BUCKET_NAME"):
        uploads_storage({"DJANGO_STORAGE": "s3"})


def test_an_unknown_storage_is_refused_with_the_choices():
    with pytest.raises(ImproperlyConfigured, match="'filesystem' or 's3', not 'ftp'"):
        uploads_storage({"DJANGO_STORAGE": "ftp"})


def settings_in_subprocess(**env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "AWS_"))}
    environment.update(DJANGO_SECRET_KEY="x" * 50, **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from django.core.files.storage import storages\n"
            "print(type(storages['default']).__name__, getattr(storages['default'], 'bucket_name', '-'))",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "balitracker.settings"},
        capture_output=True,
        text=True,
    )


def test_the_environment_selects_the_default_storage_of_a_starting_server():
    assert settings_in_subprocess().stdout.split() == ["FileSystemStorage", "-"]
    s3 = settings_in_subprocess(DJANGO_STORAGE="s3", AWS_STORAGE_BUCKET_NAME=BUCKET)
    assert s3.stdout.split() == ["S3Storage", BUCKET], s3.stderr
    refused = settings_in_subprocess(DJANGO_STORAGE="s3")
    assert refused.returncode != 0
    assert "needs AWS_STORAGE_BUCKET_NAME" in refused.stderr


@pytest.fixture
def s3_bucket(settings, monkeypatch):
    """The uploads in a private bucket of a mocked S3, as DJANGO_STORAGE=s3 configures them."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-2",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="ap-southeast-2")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": uploads_storage(
                {
                    "DJANGO_STORAGE": "s3",
                    "AWS_STORAGE_BUCKET_NAME": BUCKET,
                    "AWS_S3_REGION_NAME": "ap-southeast-2",
                }
            ),
        }
        yield client


@pytest.mark.django_db
def test_a_document_kept_in_s3_is_streamed_by_the_app_with_our_type_and_headers(s3_bucket):
    document = Document(meeting=MeetingFactory(), title="Co-Chairs' Statement")
    document.file = SimpleUploadedFile("statement.pdf", PDF)
    document.full_clean()
    document.save()

    response = Client().get(document.link)

    stored = s3_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [item["Key"] for item in stored] == [document.file.name]
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="co-chairs-statement.pdf"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_a_drafts_document_in_s3_is_not_served_and_its_object_is_private(s3_bucket):
    document = Document(meeting=MeetingFactory(published_at=None), title="Draft statement")
    document.file = SimpleUploadedFile("statement.pdf", PDF)
    document.save()

    grants = s3_bucket.get_object_acl(Bucket=BUCKET, Key=document.file.name)["Grants"]

    assert Client().get(document.link).status_code == 404
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]  # the owner alone


@pytest.mark.django_db
def test_a_meeting_image_kept_in_s3_is_served_from_the_sites_own_address(s3_bucket):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, format="PNG")
    meeting = MeetingFactory()
    meeting.hero_image = SimpleUploadedFile("photo.png", buffer.getvalue())
    meeting.save()

    page = Client().get(meeting.get_absolute_url()).content.decode()
    response = Client().get(f"/meetings/{meeting.slug}/image")

    assert "amazonaws" not in page
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()
