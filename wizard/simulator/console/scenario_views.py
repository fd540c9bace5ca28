"""Scenarios: break something on purpose, see what our product does, put it back."""

from flask import abort, flash, redirect, render_template, url_for

from .. import mounting, scenarios
from .blueprint import bp, report


@bp.get("/scenarios")
def scenario_list():
    world = mounting.world()
    return render_template(
        "simulator/scenarios.html", scenarios=scenarios.SCENARIOS.values(), on=world.scenarios
    )


@bp.post("/scenarios/<name>/on")
def scenario_on(name: str):
    scenario = scenarios.SCENARIOS.get(name) or abort(404)
    report(scenarios.turn_on(mounting.world(), name))
    mounting.save()
    flash(f"Scenario on: {scenario.title}. {scenario.reaction}", "warning")
    return redirect(url_for("simulator.scenario_list"))


@bp.post("/scenarios/<name>/off")
def scenario_off(name: str):
    scenario = scenarios.SCENARIOS.get(name) or abort(404)
    report(scenarios.turn_off(mounting.world(), name))
    mounting.save()
    flash(f"Scenario off: {scenario.title}. Okta is back to normal.", "success")
    return redirect(url_for("simulator.scenario_list"))
