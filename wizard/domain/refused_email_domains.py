"""Email domains no organization may claim: free-mail providers and disposable-address
services. Millions of strangers hold addresses there, so a claim on one would route
them to one organization's Okta (and match them to its accounts)."""

from disposable_email_domains import allowlist, blocklist

# The big free-mail providers (the disposable list does not carry them): enough to stop
# the obvious claim; the DNS proof stops the rest (nobody outside Google publishes
# records under gmail.com).
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
        "live.com", "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "rocketmail.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
        "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com",
        "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com",
        "fastmail.com", "tutanota.com", "hey.com",
    }
)  # fmt: skip


def _suffixes(domain: str):
    """``inbox.mailinator.com`` -> itself, ``mailinator.com``, ``com``: a subdomain of a
    refused domain is refused too."""
    labels = domain.split(".")
    return (".".join(labels[index:]) for index in range(len(labels)))


def refusal(domain: str) -> str | None:
    """Why ``domain`` (normalized) cannot be claimed, or None."""
    for suffix in _suffixes(domain):
        if suffix in FREE_MAIL:
            return (
                f"{domain} belongs to a free email provider: anyone can have an address "
                "there. Enter your organization's own domain."
            )
        if suffix in blocklist and suffix not in allowlist:
            return f"{domain} is a disposable email service. Enter your organization's own domain."
    return None
