"""The tabs of Integrations > Okta: one per part of the connection, each shown to those
who may open it, each carrying its part's state, some with pages of their own. Every hub
page renders through ``hub_page`` so the breadcrumb, the tab strip and the states are on
all of them, and nothing is more than two clicks from Integrations."""

from dataclasses import dataclass

from flask import render_template, request
from flask_login import current_user

from ..domain import connections
from ..permissions import Action, allowed
from .parts import all_parts


@dataclass(frozen=True)
class Page:
    label: str
    endpoint: str
    action: Action


@dataclass(frozen=True)
class Tab:
    slug: str
    title: str
    pages: tuple[Page, ...]  # the first is the tab's own page

    @property
    def endpoint(self) -> str:
        return self.pages[0].endpoint

    @property
    def action(self) -> Action:
        return self.pages[0].action


def _tab(slug: str, title: str, *pages: tuple[str, str, Action]) -> Tab:
    return Tab(slug, title, tuple(Page(*page) for page in pages))


VIEW, SYNC = Action.VIEW_INTEGRATIONS, Action.VIEW_SYNC
TABS = (
    _tab(
        "overview",
        "Overview",
        ("Status", "integrations.okta", VIEW),
        ("Trusted hosts", "integrations.trusted_hosts_page", VIEW),
    ),
    _tab(
        "sso",
        "Single sign-on",
        ("Settings and sign-in rules", "integrations.sso", VIEW),
        ("Email domains", "integrations.domains_page", VIEW),
    ),
    _tab(
        "scim",
        "Provisioning (SCIM)",
        ("Endpoint and token", "integrations.scim", VIEW),
        ("Request log", "integrations.scim_log", Action.VIEW_SCIM_LOG),
    ),
    _tab(
        "api",
        "Okta API & sync",
        ("Connection", "integrations.api", SYNC),
        ("Connector settings", "integrations.connector", SYNC),
        ("Sync", "integrations.sync_page", SYNC),
    ),
    _tab(
        "roles", "Role mapping", ("Role mapping", "integrations.roles", Action.MANAGE_ROLE_MAPPINGS)
    ),
    _tab(
        "details",
        "User detail mapping",
        ("User detail mapping", "integrations.details", Action.MANAGE_DETAIL_MAPPINGS),
    ),
    _tab(
        "failures",
        "Failed migrations",
        ("Failed migrations", "integrations.failures", Action.VIEW_FAILED_MIGRATIONS),
    ),
    _tab(
        "setup_links",
        "Setup links",
        ("Setup links", "integrations.setup_links_page", Action.MANAGE_SETUP_LINKS),
    ),
    _tab(
        "disconnect",
        "Disconnect",
        ("Disconnect", "integrations.disconnect_page", Action.DISCONNECT),
    ),
)
BY_SLUG = {tab.slug: tab for tab in TABS}


def visible_tabs() -> list[Tab]:
    return [tab for tab in TABS if allowed(tab.action)]


def visible_pages(tab: Tab) -> list[Page]:
    return [page for page in tab.pages if allowed(page.action)]


def hub_context(tab: str) -> dict:
    """What every hub page shows around its own content: the tab strip with each part's
    state, the tab's own pages, and where this page is (breadcrumb, aria-current)."""
    organization = current_user.organization
    connection = connections.connection_for(organization)
    current = BY_SLUG[tab]
    here = next((p for p in current.pages if p.endpoint == request.endpoint), current.pages[0])
    return {
        "tab": current,
        "tabs": visible_tabs(),
        "tab_pages": visible_pages(current),
        "here": here,
        "parts": all_parts(organization, connection),
    }


def hub_page(tab: str, template: str, **context) -> str:
    return render_template(template, **hub_context(tab), **context)
