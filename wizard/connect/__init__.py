"""The Connect Okta wizard and the Integrations pages (seed 002's flow, with parts of
seeds 000, 001 and 004): one URL, one view and one template per step."""

from .views import bp

__all__ = ["bp"]
