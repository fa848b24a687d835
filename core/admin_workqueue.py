"""The back office's work queues (issue 5): the state filter that defaults to what is
open, the page that asks for a written reason, and running a decision on the ticked rows;
orders, change requests and revocation requests share them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from core.admin_readonly import ReadOnlyAdmin
from core.forms import PortalForm
from core.lifecycle import Lifecycle

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


QueuedModel = TypeVar("QueuedModel", bound=models.Model)


class WorkQueueStateFilter(admin.SimpleListFilter):
    """The state filter of a work queue: without a choice it shows what is still open,
    and a search (a reference a customer quotes on the phone) looks in every state."""

    title = _("status")
    parameter_name = "status"
    OPEN, ALL = "te-behandelen", "alle"
    states: type[models.TextChoices]
    open_states: tuple[str, ...]

    def __init__(self, request: HttpRequest, *args: Any) -> None:
        super().__init__(request, *args)
        self.default = self.ALL if request.GET.get(SEARCH_VAR) else self.OPEN

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            (self.OPEN, _("Te behandelen")),
            # A state that is the whole open set (a revocation request's "open") is listed once.
            *[
                (value, label)
                for value, label in self.states.choices
                if (value,) != self.open_states
            ],
            (self.ALL, _("Alle")),
        ]

    def choices(self, changelist: ChangeList) -> Iterable[dict]:
        current = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value() or self.default
        if value == self.OPEN:
            return queryset.filter(state__in=self.open_states)
        if value in self.states.values:
            return queryset.filter(state=value)
        return queryset


class WorkQueueAdmin(ReadOnlyAdmin, Generic[QueuedModel]):
    """Rows change only through the back office's decisions (services that check the
    state and write the audit log): the admin shows them, never adds, edits or deletes.

    ``lifecycle`` is the model's state table (core.lifecycle): it says which
    decisions a row's state offers and which permission each needs."""

    lifecycle: Lifecycle

    def may(self, request: HttpRequest, action: str) -> bool:
        """Has this user the permission the state table names for ``action``?"""
        permission = self.lifecycle.permission(action, self.opts.app_label)
        return bool(permission) and request.user.has_perm(permission)

    def offered_decisions(
        self,
        request: HttpRequest,
        obj: QueuedModel,
        buttons: dict[str, tuple[StrOrPromise, str, bool]],
    ) -> list[dict]:
        """The buttons (action → label, URL name, asks for a note) that the state table
        allows from the row's state and the user may press, in ``buttons``' order."""
        available = self.lifecycle.actions_from(getattr(obj, self.lifecycle.state_field))
        return self.offered(
            request,
            obj,
            [
                (label, name, partial(self.may, action=action), asks)
                for action, (label, name, asks) in buttons.items()
                if action in available
            ],
        )

    def url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def decision_url(self, name: str, obj: QueuedModel) -> str:
        return reverse(
            f"admin:{self.url_name(name)}", args=[obj.pk], current_app=self.admin_site.name
        )

    def decision_paths(self, views: dict[str, Callable]) -> list:
        """URLs ``<id>/<name>/`` for the buttons on the detail page; the view checks the
        permission itself (a hidden button guards nothing)."""
        return [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(view),
                name=self.url_name(name),
            )
            for name, view in views.items()
        ]

    def offered(
        self,
        request: HttpRequest,
        obj: QueuedModel,
        decisions: Iterable[tuple[StrOrPromise, str, Callable[[HttpRequest], bool], bool]],
    ) -> list[dict]:
        """The buttons of the detail page: (label, URL name, permission check, asks for a
        note). One that asks for a note is a link to its page, the others post at once."""
        return [
            {"label": label, "url": self.decision_url(name, obj), "post": not asks_note}
            for label, name, allowed, asks_note in decisions
            if allowed(request)
        ]

    def decision_target(
        self, request: HttpRequest, object_id: str, allowed: Callable[[HttpRequest], bool]
    ) -> QueuedModel:
        if not allowed(request):
            raise PermissionDenied
        return get_object_or_404(self.model, pk=unquote(object_id))

    def button_view(
        self,
        request: HttpRequest,
        object_id: str,
        allowed: Callable[[HttpRequest], bool],
        decide: Callable[[QueuedModel], None],
    ) -> HttpResponse:
        """A detail-page button that decides at once: POST only, back to the detail page."""
        obj = self.decision_target(request, object_id, allowed)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        decide(obj)
        return self.back_to(obj)

    def back_to(self, obj: QueuedModel) -> HttpResponseRedirect:
        return HttpResponseRedirect(self.decision_url("change", obj))

    def selected_rows(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """The ticked rows, also those the queue's filter no longer shows (a colleague
        decided them meanwhile): those get a message instead of silently nothing."""
        if request.POST.get("select_across") == "1":
            return queryset
        return self.model._default_manager.filter(
            pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        )

    def decide_each(
        self,
        request: HttpRequest,
        rows: Iterable[QueuedModel],
        decide: Callable[[QueuedModel], object],
        *,
        refused: type[Exception],
        refused_message: Callable[[QueuedModel], str],
        done_message: Callable[[int], str],
    ) -> None:
        """Run one decision per row; a row in the wrong state is a message, never a 500."""
        done = 0
        for row in rows:
            try:
                decide(row)
            except refused:
                row.refresh_from_db()
                self.message_user(request, refused_message(row), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    def note_page(
        self,
        request: HttpRequest,
        rows: Sequence[QueuedModel],
        *,
        title: StrOrPromise,
        label: StrOrPromise,
        submit_label: StrOrPromise,
        action: str = "",
    ) -> str | TemplateResponse:
        """A decision that needs a written reason: the note, or the page asking for it.

        From the list (``action`` names the admin action) the page posts back to the
        changelist with the ticked rows; from a detail page to that page's own URL.
        """
        form = NoteForm(request.POST if "apply" in request.POST else None, label=label)
        if form.is_valid():
            return form.cleaned_data["note"]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "rows": rows,
            "form": form,
            "submit_label": submit_label,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certificates/decision_note.html", context)


class NoteForm(PortalForm):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), max_length=2000)

    def __init__(self, *args: Any, label: StrOrPromise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label


def waiting_time(since: datetime) -> str:
    """ "3 dagen", "5 uur": how long a row has been waiting in the queue."""
    return timesince(since, timezone.now(), depth=1)
