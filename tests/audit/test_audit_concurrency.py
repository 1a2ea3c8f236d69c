"""Several writers at once: each entry gets its own number, none is lost, the chain holds."""

from __future__ import annotations

import threading

from safezone.adapters.db import Database
from safezone.services.audit import record, verify

WRITERS = 4
EACH = 15


def test_concurrent_writers_keep_one_unbroken_chain(db_url):
    with Database(db_url) as first:
        first.close()
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(writer: int) -> None:
        try:
            with Database(db_url) as db:  # an engine of its own, like another server process
                start.wait()
                for n in range(EACH):
                    with db.unit_of_work() as uow:
                        record(uow, f"writer{writer}", "alert.submitted", f"alert-{writer}-{n}", {"n": n})
                        uow.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with Database(db_url) as db, db.unit_of_work() as uow:
        report = verify(uow)
        subjects = {e.subject for e in uow.audit.entries()}
    assert report.intact, report.problems
    assert report.entries == report.head.seq == WRITERS * EACH
    assert len(subjects) == WRITERS * EACH
