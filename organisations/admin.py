from django.contrib import admin

from organisations.models import LoginCertificate, Person, Subscriber, VerifiedDomain


class VerifiedDomainInline(admin.TabularInline):
    model = VerifiedDomain
    extra = 0


class PersonInline(admin.TabularInline):
    """Shown, not edited: persons' roles change through approved change requests."""

    model = Person
    extra = 0
    can_delete = False
    fields = (
        "given_name",
        "surname",
        "email",
        "is_representative",
        "contact_authorisation",
        "manager_number",
        "status",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


# The registration data (manual §7.1) changes only through an approved change
# request (registration.services), which writes the audit log; the admin
# shows it read-only, even to superusers. Verified domains are the back
# office's own data.
REGISTRATION_FIELDS = [
    field.name
    for field in Subscriber._meta.concrete_fields
    if field.name not in ("id", "created_at", "updated_at")
]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    readonly_fields = REGISTRATION_FIELDS
    list_display = ["number", "name", "kvk_number", "oin", "city"]
    search_fields = ["number", "name", "kvk_number", "oin"]
    inlines = [VerifiedDomainInline, PersonInline]


class LoginCertificateInline(admin.TabularInline):
    model = LoginCertificate
    exclude = ["staff_user"]
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "subscriber",
        "email",
        "is_representative",
        "contact_authorisation",
        "manager_number",
        "status",
    ]
    list_filter = ["status", "is_representative", "contact_authorisation"]
    search_fields = ["given_name", "surname", "email", "manager_number", "subscriber__name"]
    list_select_related = ["subscriber"]
    # Roles and contact data change through change requests and the managers
    # form; the back office only confirms a new manager's identity here.
    readonly_fields = [
        "subscriber",
        "given_name",
        "surname",
        "email",
        "phone",
        "job_title",
        "status",
        "is_representative",
        "contact_authorisation",
        "manager_number",
    ]
    inlines = [LoginCertificateInline]


@admin.register(LoginCertificate)
class LoginCertificateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "person", "staff_user", "match", "created_at"]
    list_filter = ["match"]
    search_fields = [
        "subject_serial",
        "uzi_number",
        "fingerprint",
        "person__surname",
        "staff_user__username",
    ]
    list_select_related = ["person", "staff_user"]


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "subscriber", "verified_at"]
    search_fields = ["domain", "subscriber__name"]
