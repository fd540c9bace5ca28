"""The organization's rules that several page areas, the SCIM server, the sync and the CLI
share: accounts, organizations and sites, the Okta connection and its SCIM tokens, email
domains, setup and password links, mappings, failed migrations, the audit trail, and the
vocabulary (roles, sources, failure reasons).

Modules here take and return models and never read ``request`` or ``session`` (the audit
trail reads the request's address when there is one), so a view, a SCIM route, a sync
job and a command call the same function. The member, group, membership and grant rules
themselves are ``wizard/directory/``."""
