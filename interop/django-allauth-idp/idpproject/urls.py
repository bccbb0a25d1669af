"""URLs: django-allauth's account views under /accounts/ (its sign-in page
is the IdP's login page) and its OpenID Connect provider at the root
(`/.well-known/openid-configuration`, `/identity/o/…`), as allauth's IdP
documentation mounts them."""
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", include("allauth.idp.urls")),
]
