"""Logging a new complaint: parties and contact record checked first, then triage shown."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from engine import Engine
from tests.web.conftest import Login, form_csrf
from workflows.search import search

COMPLAINT = {
    "reference": "cms-9001", "received_date-day": "27", "received_date-month": "3",
    "received_date-year": "2026", "division": "england-and-wales", "source": "client",
    "client.title": "Ms", "client.name": "Alex Smith",
    "client.address": "1 High Street\nLeeds", "client.postcode": "LS1 1AA",
    "client.reference": "CR-123456", "client.contact_preference": "post",
    "contact_type": "dissatisfaction", "subject": "payment_delay",
    "complaint_details": "Payments arrived late twice.", "issues": "Late payments",
    "case_open": "true",
}


def _post(client: FlaskClient, data: dict[str, str]) -> object:
    return client.post("/complaints/new",
                       data={**data, "csrf_token": form_csrf(client, "/complaints/new")})


def test_the_contact_record_starts_from_the_form_defaults(client: FlaskClient,
                                                          login_as: Login) -> None:
    login_as("caseworker")
    page = client.get("/complaints/new").get_data(as_text=True)
    assert re.search(r'name="case_open" type="checkbox" value="true"\s*checked', page)


def test_a_logged_complaint_keeps_the_parties_and_shows_the_triage_result(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    response = _post(client, COMPLAINT)
    assert response.status_code == 302  # type: ignore[attr-defined]
    page = client.get(response.headers["Location"]).get_data(  # type: ignore[attr-defined]
        as_text=True)
    assert "Complaint logged" in page and "CMS-9001" in page
    assert "Dissatisfaction: the caseworker works it" in page and "Call the client" in page
    [record] = api_engine.instances(business_key="CMS-9001")
    data = api_engine.instance(record.id).data
    assert data["client"] == {"title": "Ms", "name": "Alex Smith",
                              "address": ["1 High Street", "Leeds"], "postcode": "LS1 1AA",
                              "reference": "CR-123456", "contact_preference": "post"}
    assert data["source"] == "client" and data["division"] == "england-and-wales"
    assert data["complaint_details"] == "Payments arrived late twice."
    assert [h.record.business_key for h in search(api_engine, "alex")] == ["CMS-9001"]
    assert [h.record.business_key for h in search(api_engine, "CR-123456")] == ["CMS-9001"]
    found = client.get("/cases?q=Smith").get_data(as_text=True)
    assert "CMS-9001" in found and "CR-123456" in found


def test_a_case_started_through_the_api_is_found_by_its_clients_name(
    api_engine: Engine, demo: list[str]  # demo: the packages deployed
) -> None:
    api_engine.start("complaint_journey", business_key="CMS-9100", user="postroom",
                     data={"received_date": "2026-03-27", "division": "scotland",
                           "client": {"name": "Robin Example", "postcode": "EH1 1AA",
                                      "address": ["2 Example Close", "Edinburgh"]}})
    [hit] = search(api_engine, "robin ex")
    assert (hit.record.business_key, hit.client_name) == ("CMS-9100", "Robin Example")


def test_a_second_open_case_with_the_reference_is_refused_with_a_link(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    _post(client, COMPLAINT)
    again = _post(client, {**COMPLAINT, "client.name": "Someone Else"})
    page = again.get_data(as_text=True)  # type: ignore[attr-defined]
    assert again.status_code == 409  # type: ignore[attr-defined]
    [record] = api_engine.instances(business_key="CMS-9001")
    assert f'href="/cases/{record.id}"' in page and "already open" in page
    assert 'value="Someone Else"' in page  # nothing lost


def test_missing_and_wrong_answers_are_listed_beside_their_fields_nothing_started(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    bad = {**COMPLAINT, "reference": "no spaces!", "received_date-day": "30",
           "received_date-month": "2", "division": "atlantis", "source": "mp",
           "client.contact_preference": "email", "subject": ""}
    response = _post(client, bad)
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 422  # type: ignore[attr-defined]
    for message in ("‘Received on’ must be a real date",
                    "Select where the client lives from the list",
                    "Enter email address", "Enter subject category",
                    "Fill in ‘The Member of Parliament’",
                    "Enter complaint reference in the right format"):
        assert message in page, message
    assert 'value="no spaces!"' in page and "Alex Smith" in page
    assert api_engine.instances(limit=10) == []


def test_a_future_receipt_date_is_refused(client: FlaskClient, login_as: Login,
                                          api_engine: Engine) -> None:
    login_as("caseworker")
    response = _post(client, {**COMPLAINT, "received_date-year": "2030"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "must be today or in the past" in response.get_data(  # type: ignore[attr-defined]
        as_text=True)


def test_an_mp_complaint_is_addressed_to_the_house_of_commons_by_default(
    client: FlaskClient, login_as: Login, api_engine: Engine
) -> None:
    login_as("caseworker")
    response = _post(client, {**COMPLAINT, "reference": "CMS-9002", "source": "mp",
                              "mp.title": "Dame", "mp.name": "Jo Member",
                              "mp.constituency": "Leeds Central"})
    assert response.status_code == 302  # type: ignore[attr-defined]
    [record] = api_engine.instances(business_key="CMS-9002")
    mp = api_engine.instance(record.id).data["mp"]
    assert mp["address"] == ["House of Commons", "London"] and mp["postcode"] == "SW1A 0AA"
    assert api_engine.instance(record.id).summary["route"] == "mp_correspondence"


def test_only_the_roles_that_log_contact_may_open_the_page(client: FlaskClient,
                                                           login_as: Login) -> None:
    login_as("phso_team")
    assert client.get("/complaints/new").status_code == 403
    login_as("analyst")
    assert client.get("/complaints/new").status_code == 403
