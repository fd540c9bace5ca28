"""The package layout a newcomer can navigate (README, "Layout"): a page's code is found
from its URL, and no module grows past what a reader takes in at once.

- every URL prefix (the first path segment) is served by one package of ``wizard/`` and
  one blueprint;
- a package renders the templates of its own folder (``templates/<package>/``);
- no module under ``wizard/`` is longer than ``MAX_LINES``.

Each exception is listed with its reason; an exception that no longer applies fails too,
so the lists only shrink."""

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import app_config
from wizard import create_app

ROOT = Path(__file__).resolve().parent.parent
WIZARD = ROOT / "wizard"
MAX_LINES = 300

LONG_MODULES: dict[str, str] = {}
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


@pytest.fixture
def every_area_app(tmp_path):
    """The app with every area mounted: Simulated Okta too, as ``make run`` has it."""
    return create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", SIMULATED_OKTA="1"))


def readme_url_map() -> dict[str, tuple[str, str]]:
    """The README's "A page's code from its URL" table: prefix -> (package, blueprint)."""
    text = (ROOT / "README.md").read_text()
    table = text.split("### A page's code from its URL", 1)[1].split("\n### ", 1)[0]
    found = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        package = re.match(r"`wizard/(\w+)", cells[1])[1]
        for url in re.findall(r"`(/[^`]*)`", cells[0]):
            found[url_prefix(url)] = (package, cells[2].strip("`"))
    return found


def test_the_readme_url_map_matches_the_app(every_area_app):
    """A newcomer finds a page's code from its URL with the README's table: every prefix
    the app serves is there, with the package and blueprint that serve it."""
    served = served_by(every_area_app)
    documented = readme_url_map()
    assert set(documented) == set(served), "README's URL table and the app's prefixes differ"
    assert {
        prefix: (served[prefix]["packages"], served[prefix]["blueprints"]) for prefix in served
    } == {prefix: ({package}, {blueprint}) for prefix, (package, blueprint) in documented.items()}


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
