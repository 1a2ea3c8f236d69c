"""A full disk under the database: a write answers 503 with a clear reason and Retry-After,
never 500, and leaves nothing half-done (the issue's state, CAP message and outbox entry go in
together or not at all); public reads keep answering; when space returns, issuing works and
the audit chain verifies.

The disk is made full for real errors, without root: on SQLite, `PRAGMA max_page_count` caps
the file at its present size, so SQLite answers SQLITE_FULL ("database or disk is full")
exactly as on a full disk; on PostgreSQL, a trigger raises the server's own `disk_full`
(SQLSTATE 53100) where the issue inserts its outbox entry.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from sqlalchemy import event

from safezone.bootstrap import Container
from safezone.services import audit
from tests.support.app import Api, compose_body, issue_alert, login

RAISE_DISK_FULL = """
CREATE FUNCTION faults_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$;
CREATE TRIGGER faults_disk_full BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION faults_disk_full();
"""
SPACE_BACK = "DROP TRIGGER faults_disk_full ON outbox; DROP FUNCTION faults_disk_full();"


@contextlib.contextmanager
def full_disk(container: Container) -> Iterator[None]:
    """The database's disk is full inside the block, and has room again after it."""
    engine = container.database.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql(RAISE_DISK_FULL)
        try:
            yield
        finally:
            with engine.begin() as connection:
                connection.exec_driver_sql(SPACE_BACK)
        return

    def cap(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    event.listen(engine, "connect", cap)
    engine.dispose()  # every connection from here on is capped
    try:
        yield
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()


def test_a_full_disk_refuses_the_issue_with_503_and_writes_nothing(api: Api, container: Container):
    alice, bob = login(api, "alice"), login(api, "bob")
    issued_before = issue_alert(alice, bob)
    alert_id = alice.post("/api/operator/alerts", compose_body(areas=("BBB-0-1",))).json()["alert"]["id"]
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
    assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200

    with full_disk(container):
        refused = alice.post(f"/api/operator/alerts/{alert_id}/issue")
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"] == "database_full"
        assert "the database is full" in refused.json()["reason"]
        assert refused.headers["retry-after"] == "30"
        # Nothing half-issued: still approved, no CAP message, nothing for delivery.
        assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == "approved"
        assert api.get(f"/api/alerts/{alert_id}/cap.xml").status_code == 404
        # The public side reads on.
        listed = api.get("/api/alerts")
        assert listed.status_code == 200 and [a["id"] for a in listed.json()["alerts"]] == [issued_before]
        assert api.get(f"/api/alerts/{issued_before}/cap.xml").status_code == 200
        assert api.get("/feeds/alerts.atom").status_code == 200

    with container.database.unit_of_work(read_only=True) as uow:
        assert [e.alert_id for e in uow.outbox.pending()] == [issued_before]
    assert alice.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 200
    assert api.get(f"/api/alerts/{alert_id}/cap.xml").status_code == 200
    with container.database.unit_of_work(read_only=True) as uow:
        assert [e.alert_id for e in uow.outbox.pending()] == [issued_before, alert_id]
        assert audit.verify(uow).intact
        assert "alert.issued" in [e.action for e in uow.audit.last(5)]

