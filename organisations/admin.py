from django.contrib import admin

from organisations.models import LoginCertificate, Person, Subscriber, VerifiedDomain


class VerifiedDomainInline(admin.TabularInline):
    model = VerifiedDomain
    extra = 0


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = [
        "given_name",
        "surname",
        "email",
        "is_representative",
        "contact_authorisation",
        "manager_number",
        "status",
    ]
    show_change_link = True


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kvk_number", "oin", "city"]
    search_fields = ["number", "name", "kvk_number", "oin"]
    inlines = [VerifiedDomainInline, PersonInline]


class LoginCertificateInline(admin.TabularInline):
    model = LoginCertificate
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
    inlines = [LoginCertificateInline]


@admin.register(LoginCertificate)
class LoginCertificateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "person", "match", "created_at"]
    list_filter = ["match"]
    search_fields = ["subject_serial", "uzi_number", "fingerprint", "person__surname"]
    list_select_related = ["person"]


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "subscriber", "verified_at"]
    search_fields = ["domain", "subscriber__name"]
