"""Bearer tokens for the JSON API and FHIR: only a hash is stored, the secret is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from acuback.web.clinics.models import Clinic


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # The clinic at creation: a token never follows its owner into another clinic.
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What the token is for")
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, so people can tell their tokens apart.
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
