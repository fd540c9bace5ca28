"""The package layout a newcomer can navigate (README, "Layout"): a page's code is found
from its URL, and no module grows past what a reader takes in at once.

- every URL prefix (the first path segment) is served by one package of ``wizard/`` and
  one blueprint;
- a package renders the templates of its own folder (``templates/<package>/``);
- no module under ``wizard/`` is longer than ``MAX_LINES``.

Each exception is listed with its reason; an exception that no longer applies fails too,
so the lists only shrink."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIZARD = ROOT / "wizard"
MAX_LINES = 300

LONG_MODULES: dict[str, str] = {
    # Being split (issue 16, helper "layout"): this list empties as each one is.
    "wizard/models.py": "split last, after OktaConnection's own split (helper 'split')",
    "wizard/sync/engine.py": "being split by responsibility",
}
# URL prefix -> why more than one package or blueprint serves it, for now.
SHARED_PREFIXES: dict[str, str] = {}
# Pages any package may render: the error page (``errors/error.html``).
COMMON_TEMPLATE_FOLDERS = {"errors"}
# module -> why it renders another package's templates, for now.
FOREIGN_TEMPLATES: dict[str, str] = {}


def package_of(module: str) -> str:
    """``wizard.team.member_page`` -> ``team``; a one-module area (``wizard.health``) is
    its own package."""
    parts = module.split(".")
    assert parts[0] == "wizard", module
    return parts[1]


def url_prefix(rule: str) -> str:
    """``/team/users/<id>`` -> ``team``; ``/`` -> ``""``."""
    return rule.lstrip("/").split("/", 1)[0]


def served_by(app) -> dict[str, dict[str, set[str]]]:
    """URL prefix -> {"packages": ..., "blueprints": ...} that serve it."""
    served = defaultdict(lambda: {"packages": set(), "blueprints": set()})
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        prefix = url_prefix(rule.rule)
        served[prefix]["packages"].add(package_of(view.__module__))
        served[prefix]["blueprints"].add(rule.endpoint.rpartition(".")[0])
    return served


def test_each_url_prefix_is_served_by_one_package_and_one_blueprint(app):
    """``/team/...`` is wizard/team/ on the ``team`` blueprint, ``/login/...`` is
    wizard/auth/ on ``auth``, and so on for every prefix the app serves."""
    served = served_by(app)
    shared = {
        f"/{prefix}: packages {sorted(by['packages'])}, blueprints {sorted(by['blueprints'])}"
        for prefix, by in served.items()
        if (len(by["packages"]) > 1 or len(by["blueprints"]) > 1) and prefix not in SHARED_PREFIXES
    }
    assert not shared, "URL prefixes served from more than one place:\n" + "\n".join(shared)
    stale = [
        prefix
        for prefix in SHARED_PREFIXES
        if len(served[prefix]["packages"]) <= 1 and len(served[prefix]["blueprints"]) <= 1
    ]
    assert not stale, f"SHARED_PREFIXES lists prefixes served from one place now: {stale}"


def test_each_endpoint_lives_under_one_prefix(app):
    """One page, one URL prefix: an endpoint whose rules sit under two prefixes makes
    ``url_for`` pick one of them for every caller (Team's tabs used to link to Support's
    copy of the inbox)."""
    prefixes = defaultdict(set)
    for rule in app.url_map.iter_rules():
        prefixes[rule.endpoint].add(url_prefix(rule.rule))
    spread = {endpoint: sorted(found) for endpoint, found in prefixes.items() if len(found) > 1}
    assert not spread, f"endpoints under more than one URL prefix: {spread}"


def test_the_prefix_map_finds_the_package(app):
    """The README's URL -> package map, checked: a newcomer looking for a page's code."""
    served = served_by(app)
    expected = {
        "": "auth",
        "login": "auth",
        "logout": "auth",
        "account": "auth",
        "team": "team",
        "support": "support",
        "failed-migrations": "support",
        "org": "org",
        "connect": "connect",
        "integrations": "integrations",
        "setup": "connect",
        "scim": "scim",
        "healthz": "health",
    }
    assert {prefix: served[prefix]["packages"] for prefix in expected} == {
        prefix: {package} for prefix, package in expected.items()
    }


def modules():
    for path in sorted(WIZARD.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path


def test_no_module_is_longer_than_300_lines():
    """Modules stay under ~300 lines (STYLE.md, habit 4): split by responsibility."""
    long = {
        name: len(path.read_text().splitlines())
        for name, path in modules()
        if len(path.read_text().splitlines()) > MAX_LINES
    }
    unexplained = {name: lines for name, lines in long.items() if name not in LONG_MODULES}
    assert not unexplained, f"modules over {MAX_LINES} lines: {unexplained}"
    stale = sorted(set(LONG_MODULES) - set(long))
    assert not stale, f"LONG_MODULES lists modules that are short now: {stale}"


def rendered_templates(tree: ast.AST):
    """The template names passed literally to ``render_template``."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "render_template"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield node.lineno, node.args[0].value


def test_a_package_renders_its_own_templates_folder():
    """Each package's pages are under ``templates/<package>/`` (any may show the error
    page), so the template of a URL is found the way its code is."""
    foreign, stale = [], set(FOREIGN_TEMPLATES)
    for name, path in modules():
        package = package_of(".".join(Path(name).with_suffix("").parts))
        for line, template in rendered_templates(ast.parse(path.read_text(), name)):
            if template.split("/", 1)[0] in {package, *COMMON_TEMPLATE_FOLDERS}:
                continue
            if name in FOREIGN_TEMPLATES:
                stale.discard(name)
                continue
            foreign.append(f"{name}:{line}: {template}")
    assert not foreign, "templates outside the package's folder:\n" + "\n".join(foreign)
    assert not stale, f"FOREIGN_TEMPLATES lists modules that render their own now: {stale}"
