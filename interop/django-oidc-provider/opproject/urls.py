"""URLs: django-oidc-provider under /openid/ (the mount point of its
installation guide) and Django's admin, whose login page is the sign-in page
of this server (settings.LOGIN_URL)."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
]
