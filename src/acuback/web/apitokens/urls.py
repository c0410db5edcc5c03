from django.urls import path

from acuback.web.apitokens import views

urlpatterns = [
    path("api-tokens/", views.tokens, name="api-tokens"),
    path("api-tokens/new/", views.create, name="api-token-create"),
    path("api-tokens/<int:token_id>/revoke/", views.revoke, name="api-token-revoke"),
]
