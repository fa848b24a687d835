"""The outbox: one row per e-mail to send, document to make or CA call to run (SPEC.md §7).

Written in the same transaction as the change that calls for it, delivered by
an idempotent Celery task (``core.outbox``), and swept by one sweeper. The row
is the truth: a message queued while the broker was down is still here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One thing to do once for one row, named by ``topic`` (``orders.confirmation``)."""

    topic = models.CharField(_("onderwerp"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("rij"))
    # Adding the same message twice is a no-op: ``topic:object_id`` unless the caller says.
    key = models.CharField(_("sleutel"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    # An e-mail that must not go out any more after this (CONFIRMATION_MAX_AGE).
    give_up_after = models.DateTimeField(_("niet meer na"), null=True, blank=True)
    done_at = models.DateTimeField(_("afgehandeld op"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    last_error = models.TextField(_("laatste fout"), blank=True)

    class Meta:
        verbose_name = _("uitgaand bericht")
        verbose_name_plural = _("uitgaande berichten")
        ordering = ["created_at", "pk"]
        indexes = [
            # The sweeper reads only what is not done, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(done_at__isnull=True),
                name="outbox_pending",
            ),
            models.Index(fields=["topic", "object_id"], name="outbox_topic_object"),
        ]

    def __str__(self) -> str:
        return self.key
