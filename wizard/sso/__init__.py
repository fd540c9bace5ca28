"""Sign in with Okta (OpenID Connect): per-organization clients, the login and logout
redirect URIs the wizard tells admins to register, test sign-in, enforcement."""

from .views import bp

__all__ = ["bp"]
