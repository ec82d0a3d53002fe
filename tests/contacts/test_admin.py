import pytest
from django.urls import reverse

from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:contacts_contact_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("query", ["hopper", "grace@navy", "navy inc", "owner@example"])
def test_admin_searches_contacts_by_name_email_company_and_owner(admin_client, query):
    owner = UserFactory(email="owner@example.com")
    ContactFactory(
        owner=owner,
        first_name="Grace",
        last_name="Hopper",
        email="grace@navy.example",
        company="Navy Inc",
    )
    ContactFactory(first_name="Alan", last_name="Turing", email="alan@example.org", company="")
    page = admin_client.get(CHANGELIST, {"q": query}).text
    assert "grace@navy.example" in page and "alan@example.org" not in page


def test_admin_filters_archived_contacts(admin_client, invite):
    archived = ContactFactory(email="archived@example.org")
    invite(archived)
    archived.archived_at = archived.created_at
    archived.save()
    ContactFactory(email="active@example.org")
    page = admin_client.get(CHANGELIST, {"archived": "yes"}).text
    assert "archived@example.org" in page and "active@example.org" not in page
    page = admin_client.get(CHANGELIST, {"archived": "no"}).text
    assert "active@example.org" in page and "archived@example.org" not in page


@pytest.mark.parametrize("count", [1, 30])
def test_admin_list_runs_a_constant_number_of_queries(
    admin_client, count, django_assert_num_queries
):
    ContactFactory.create_batch(count)
    with django_assert_num_queries(6):
        assert admin_client.get(CHANGELIST).status_code == 200
