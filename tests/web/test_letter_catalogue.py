"""The letter catalogue: analysts see every template of a deployed version and a sample preview."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine import Engine
from tests.handlers.pdfs import pdf_text
from tests.web.conftest import Login
from workflows.packages import COMPLAINTS_PACKAGE, package_files


def _deploy_complaints(api_engine: Engine) -> int:
    record = api_engine.deploy(package_files(COMPLAINTS_PACKAGE), name="complaints",
                               user="analyst")
    return record.id


def test_catalogue_lists_every_template_with_its_senders_rules_and_enclosure_rules(
        client: FlaskClient, login_as: Login, api_engine: Engine) -> None:
    dep = _deploy_complaints(api_engine)
    login_as("analyst")
    page = client.get(f"/deployments/{dep}/letters").get_data(as_text=True)
    for code in ("CMSL5700", "OUTCOME_REVIEW", "PHSO_NEEDS_MP", "CMSB011", "CMSF5551"):
        assert f'data-code="{code}"' in page
    assert "ph_no_mp_letter" in page and "R45" in page
    assert "never with a reply to official correspondence (R35)" in page
    assert "Only when the case is a consolatory payment referral" in page
    assert client.get("/letters").status_code == 200


def test_r35_preview_of_an_mp_reply_has_no_leaflet_and_no_signpost(
        client: FlaskClient, login_as: Login, api_engine: Engine) -> None:
    dep = _deploy_complaints(api_engine)
    login_as("analyst")
    page = client.get(f"/deployments/{dep}/letters/OUTCOME_REVIEW?sample=mp").get_data(
        as_text=True)
    assert "Jane Member MP" in page and "Dear Ms Member" in page
    assert "with no enclosure" in page and "Independent Case Examiner" not in page.split(
        'id="source"')[0]
    client_page = client.get(f"/deployments/{dep}/letters/OUTCOME_REVIEW").get_data(
        as_text=True)
    assert "enclosing CMSB011" in client_page
    pdf = client.get(f"/deployments/{dep}/letters/OUTCOME_REVIEW/preview.pdf?sample=mp")
    assert pdf.mimetype == "application/pdf" and "SAMPLE-0001" in pdf_text(pdf.data)


def test_catalogue_needs_view_deployments_and_unknown_things_are_404(
        client: FlaskClient, login_as: Login, api_engine: Engine) -> None:
    dep = _deploy_complaints(api_engine)
    login_as("caseworker")
    assert client.get(f"/deployments/{dep}/letters").status_code == 403
    client.post("/logout")
    login_as("analyst")
    assert client.get(f"/deployments/{dep}/letters/NOPE").status_code == 404
    assert client.get("/deployments/99999/letters").status_code == 404
    assert client.get(f"/deployments/{dep}/letters/CMSL5700?sample=x").status_code == 302


def test_deployments_page_links_each_deployment_with_letters_to_its_catalogue(
        client: FlaskClient, login_as: Login, api_engine: Engine) -> None:
    dep = _deploy_complaints(api_engine)
    login_as("analyst")
    page = client.get("/deployments").get_data(as_text=True)
    assert f'href="/deployments/{dep}/letters"' in page


def test_enclosure_rules_are_listed_once_and_linked_from_each_letter(
        client: FlaskClient, login_as: Login, api_engine: Engine) -> None:
    dep = _deploy_complaints(api_engine)
    login_as("analyst")
    page = client.get(f"/deployments/{dep}/letters").get_data(as_text=True)
    assert 'id="rule-CMSB011"' in page and 'href="#rule-CMSB011"' in page
    assert page.count("never with a reply to official correspondence (R35)") == 1
