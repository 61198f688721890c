"""Every gateway method against the sandbox over real HTTP (the official SDK end to end)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.hubspot import HubSpotGateway
from connector.hubspot.models import (
    NewProperty,
    NewTask,
    PropertyOption,
    RecordUpdate,
    TaskPriority,
)
from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def _counts(sandbox: Sandbox, path_part: str) -> dict[int, int]:
    found: dict[int, int] = {}
    for (_method, path, status), n in sandbox.request_counts().items():
        if path_part in path:
            found[status] = found.get(status, 0) + n
    return found


def _modified(sandbox: Sandbox, contact_id: str) -> datetime:
    props = sandbox.store.get("contacts", contact_id)
    assert props is not None
    return datetime.fromisoformat(props["lastmodifieddate"].replace("Z", "+00:00"))


def test_search_window_pages_through_every_contact_in_order(
    sandbox: Sandbox, gateway: HubSpotGateway
) -> None:
    stamps = sorted(_modified(sandbox, i) for i in sandbox.store.all_ids("contacts"))
    since, until = stamps[100], stamps[700]
    expected = {
        i for i in sandbox.store.all_ids("contacts") if since <= _modified(sandbox, i) <= until
    }
    seen: list[str] = []
    last = EPOCH
    after: str | None = None
    while True:
        page = gateway.search_contacts_modified(
            since=since, until=until, properties=["lifecyclestage"], after=after, limit=200
        )
        assert page.total == len(expected)
        for record in page.results:
            assert record.updated_at is not None and record.updated_at.tzinfo is not None
            assert since <= record.updated_at <= until
            assert record.updated_at >= last  # sorted by lastmodifieddate ascending
            last = record.updated_at
            assert "lifecyclestage" in record.properties
            seen.append(record.id)
        if page.next_after is None:
            break
        assert isinstance(page.next_after, str)  # kept as HubSpot sent it
        after = page.next_after
    assert set(seen) == expected
    assert len(seen) == len(expected)


def test_search_at_one_instant_drains_by_id(sandbox: Sandbox, gateway: HubSpotGateway) -> None:
    ids = sandbox.store.all_ids("contacts")[:30]
    instant = datetime(2026, 5, 5, 12, 0, 0, 321000, tzinfo=UTC)
    sandbox.store.set_modified("contacts", ids, instant)
    first = gateway.search_contacts_modified_at(
        instant=instant, after_id=None, properties=["email"], limit=10
    )
    assert [r.id for r in first.results] == sorted(ids, key=int)[:10]
    rest = gateway.search_contacts_modified_at(
        instant=instant, after_id=first.results[-1].id, properties=["email"], limit=200
    )
    assert [r.id for r in rest.results] == sorted(ids, key=int)[10:]
    assert all(r.updated_at == instant for r in rest.results)


def test_batch_read_dedupes_chunks_and_leaves_misses_out(
    sandbox: Sandbox, gateway: HubSpotGateway
) -> None:
    ids = sandbox.store.all_ids("contacts")[:250]
    asked = [*ids, *ids[:40], "999999991", "999999992"]
    records = gateway.read_contacts(asked, ["email", "lifecyclestage"])
    assert [r.id for r in records] == ids
    assert records[0].get("email") == sandbox.store.get("contacts", ids[0])["email"]  # type: ignore[index]
    counts = _counts(sandbox, "/batch/read")
    assert 400 not in counts  # no duplicate id ever reached HubSpot
    assert sum(counts.values()) == 3  # 252 unique ids → 3 chunks of ≤ 100


def test_batch_update_merges_duplicates_and_reports_207_per_record(
    sandbox: Sandbox, gateway: HubSpotGateway
) -> None:
    ids = sandbox.store.all_ids("contacts")[:120]
    updates = [RecordUpdate(id=i, properties={"hs_lead_status": "OPEN"}) for i in ids]
    updates.append(RecordUpdate(id=ids[5], properties={"hs_lead_status": "NOT_AN_OPTION"}))
    updates.append(RecordUpdate(id=ids[110], properties={"hs_lead_status": "BAD_TIMING"}))
    updates.append(RecordUpdate(id="999999993", properties={"hs_lead_status": "OPEN"}))
    outcome = gateway.update_contacts(updates)

    failed = {f.id: f for f in outcome.failed}
    assert set(failed) == {ids[5], "999999993"}
    assert failed[ids[5]].category == "VALIDATION_ERROR"
    assert "NOT_AN_OPTION" in failed[ids[5]].message
    assert failed["999999993"].category == "OBJECT_NOT_FOUND"
    assert set(outcome.succeeded) == set(ids) - {ids[5]}
    assert sandbox.store.get("contacts", ids[110])["hs_lead_status"] == "BAD_TIMING"  # type: ignore[index]
    assert sandbox.store.get("contacts", ids[0])["hs_lead_status"] == "OPEN"  # type: ignore[index]
    counts = _counts(sandbox, "/batch/update")
    assert 400 not in counts  # duplicates were merged before sending
    assert counts == {207: 2}


def test_create_tasks_maps_results_to_inputs_with_associations(
    sandbox: Sandbox, gateway: HubSpotGateway
) -> None:
    contacts = sandbox.store.all_ids("contacts")[:130]
    companies = sandbox.store.all_ids("companies")
    due = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    tasks = [
        NewTask(
            subject=f"Call lead {n}",
            body=f"handoff key sla{n}x",
            due_at=due + timedelta(minutes=n),
            owner_id=None,
            priority=TaskPriority.HIGH,
            contact_id=cid,
            company_id=companies[0] if n % 2 == 0 else None,
        )
        for n, cid in enumerate(contacts)
    ]
    outcome = gateway.create_tasks(tasks)
    assert outcome.failed == ()
    assert len(outcome.created_ids) == len(tasks)
    created = [c for c in outcome.created_ids if c is not None]
    assert len(set(created)) == len(tasks)
    read = {r.id: r for r in gateway.read_tasks(created, ["hs_task_subject", "hs_timestamp"])}
    for n, task_id in enumerate(created):
        assert read[task_id].get("hs_task_subject") == f"Call lead {n}"
        links = sandbox.store.associations("tasks", task_id, "contacts")
        assert 204 in links.get(contacts[n], set())
    assert 192 in sandbox.store.associations("tasks", created[0], "companies")[companies[0]]
    assert sandbox.store.associations("tasks", created[1], "companies") == {}

    done = gateway.update_tasks(
        [RecordUpdate(id=created[0], properties={"hs_task_status": "COMPLETED"})]
    )
    assert done.succeeded == (created[0],)
    assert gateway.read_tasks([created[0]], ["hs_task_status"])[0].get("hs_task_status") == (
        "COMPLETED"
    )


def test_owners_properties_groups_and_limits(sandbox: Sandbox, gateway: HubSpotGateway) -> None:
    assert all(o.id for o in gateway.list_owners())

    definitions = {d.name: d for d in gateway.read_property_definitions("contacts")}
    assert "NEW" in {o.value for o in definitions["hs_lead_status"].options}
    assert definitions["lifecyclestage"].type == "enumeration"

    gateway.create_property_group("contacts", "gw_test_group", "Gateway test")
    gateway.create_property_group("contacts", "gw_test_group", "Gateway test")  # 409 = fine
    before = {u.object_type: u.usage for u in gateway.custom_property_usage()}
    new = [
        NewProperty(
            name="gw_score",
            label="Score",
            type="number",
            field_type="number",
            group_name="gw_test_group",
        ),
        NewProperty(
            name="gw_tier",
            label="Tier",
            type="enumeration",
            field_type="select",
            group_name="gw_test_group",
            options=(PropertyOption(label="A", value="a"), PropertyOption(label="B", value="b")),
        ),
    ]
    assert gateway.create_properties("contacts", new).succeeded == ("gw_score", "gw_tier")
    again = gateway.create_properties("contacts", [*new, new[0]])
    assert again.succeeded == ("gw_score", "gw_tier")
    assert again.failed == ()
    after = {u.object_type: u for u in gateway.custom_property_usage()}
    assert after["contacts"].usage == before["contacts"] + 2
    assert after["contacts"].limit > 0
    tier = {d.name: d for d in gateway.read_property_definitions("contacts")}["gw_tier"]
    assert [o.value for o in tier.options] == ["a", "b"]


def test_stats_count_what_hubspot_saw(sandbox: Sandbox, gateway: HubSpotGateway) -> None:
    gateway.list_contacts(properties=["email"], limit=5)
    gateway.read_contacts(sandbox.store.all_ids("contacts")[:3], ["email"])
    stats = gateway.stats()
    assert stats.total_calls == sum(sandbox.request_counts().values()) == 2
    assert stats.calls_by_endpoint == {"contacts.list": 1, "contacts.batch_read": 1}
    assert stats.calls_by_status == {"200": 2}
    gateway.reset_stats()
    assert gateway.stats().total_calls == 0


def test_list_contacts_pages_with_hubspots_token(
    sandbox: Sandbox, make_gateway: MakeGateway
) -> None:
    gateway = make_gateway(sandbox)
    first = gateway.list_contacts(properties=["email"], limit=100)
    second = gateway.list_contacts(properties=["email"], after=first.next_after, limit=100)
    assert len(first.results) == len(second.results) == 100
    assert not {r.id for r in first.results} & {r.id for r in second.results}


def test_owners_include_archived_ones_flagged(sandbox: Sandbox, gateway: HubSpotGateway) -> None:
    owners = gateway.list_owners()
    expected = {str(o["id"]): bool(o["archived"]) for o in sandbox.store.owners}
    assert {o.id: o.archived for o in owners} == expected
    assert any(o.archived for o in owners) and any(not o.archived for o in owners)


def test_contact_task_ids_follows_each_contacts_association_pages(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway
) -> None:
    sandbox = make_sandbox(contacts=30, association_page_size=2)
    gateway = make_gateway(sandbox)
    contacts = sandbox.store.all_ids("contacts")[:3]
    due = datetime(2026, 12, 1, tzinfo=UTC)
    plan = {contacts[0]: 5, contacts[1]: 1}  # contacts[2] gets none
    made: dict[str, list[str]] = {}
    for contact, n in plan.items():
        tasks = [NewTask(subject="s", body="b", due_at=due, owner_id=None, contact_id=contact)] * n
        made[contact] = [c for c in gateway.create_tasks(tasks).created_ids if c]
    found = gateway.contact_task_ids([*contacts, contacts[0], "999999994"])
    assert sorted(found[contacts[0]]) == sorted(made[contacts[0]])  # 5 tasks over 3 pages
    assert found[contacts[1]] == made[contacts[1]]
    assert found[contacts[2]] == []
    assert found["999999994"] == []
    reads = gateway.stats().calls_by_endpoint["associations.contacts_tasks_batch_read"]
    assert reads == 3  # the first read, then contacts[0] alone for its 2nd and 3rd pages
