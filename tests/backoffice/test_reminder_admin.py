"""The reminders sent, read only in the back office (issue 14)."""

from __future__ import annotations

import pytest

from tests.factories import CampaignNoticeFactory, ExpiryReminderFactory

pytestmark = pytest.mark.django_db


def test_the_officer_sees_every_expiry_reminder_with_its_recipient(client, officer_login):
    reminder = ExpiryReminderFactory()
    officer_login()

    page = client.get("/beheer/certificates/expiryreminder/").content.decode()

    assert reminder.certificate.common_name in page
    assert str(reminder.recipient) in page


def test_the_officer_sees_the_campaign_notices(client, officer_login):
    notice = CampaignNoticeFactory()
    officer_login()

    page = client.get("/beheer/certificates/campaignnotice/").content.decode()

    assert notice.campaign.name in page


def test_reminders_cannot_be_added_changed_or_deleted(client, officer_login):
    reminder = ExpiryReminderFactory()
    officer_login()

    assert client.get("/beheer/certificates/expiryreminder/add/").status_code == 403
    response = client.post(
        f"/beheer/certificates/expiryreminder/{reminder.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert type(reminder).objects.filter(pk=reminder.pk).exists()
