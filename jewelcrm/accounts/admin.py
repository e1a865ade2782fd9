"""Django admin for platform staff: people and brands.

Only the platform tables are here. Brand-owned rows (memberships, API keys, audit log, and every
domain table) sit behind row-level security and are managed from the brand's own pages, inside the
brand's context; the admin never reads across brands.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from jewelcrm.accounts.models import Brand, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "language", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "language")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language")}),
        (
            _("Platform access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )


class BrandForm(forms.ModelForm):
    class Meta:
        model = Brand
        fields = (
            "name", "slug", "code_prefix", "default_currency", "languages", "time_zone", "country", "logo",
            "primary_colour", "is_active",
        )

    def clean_code_prefix(self) -> str:
        prefix = self.cleaned_data["code_prefix"].upper()
        if self.instance.pk and self.instance.code_prefix != prefix:
            # Printed warranty cards carry the prefix: it can never change (ADR 0003).
            raise forms.ValidationError(_("The public code prefix of an existing brand cannot change."))
        return prefix


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    form = BrandForm
    list_display = ("name", "slug", "code_prefix", "default_currency", "country", "is_active", "created_at")
    list_filter = ("is_active", "country", "default_currency")
    search_fields = ("name", "slug", "code_prefix")
    prepopulated_fields = {"slug": ("name",)}
