"""URLs: the toolkit under /o/ (its tutorial's mount point) with its RFC 8414
metadata also at the server root, as its docs ask for prefixed mounts, and
Django's own login/logout views under /accounts/."""
from django.contrib import admin
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("o/", include(oauth2_urls, namespace="oauth2_provider")),
    path("", include((oauth2_urls.metadata_urlpatterns, "oauth2_metadata"))),
]
