"""Operator accounts, their sessions, and the append-only, hash-chained audit log.

The audit log refuses UPDATE, DELETE (and, on PostgreSQL, TRUNCATE) in the database itself,
so no code path of ours, buggy or not, can rewrite history. `audit_head` holds the sequence
number and hash of the last entry: it lets an append take one lock for the whole chain, and
lets `audit verify` notice entries cut off the end of the log. Its trigger only lets it move
forward one entry at a time, onto an entry that exists.

Someone with the power to drop triggers can still rewrite rows; the hash chain is what shows it.

Revision ID: 0010_accounts_audit
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_accounts_audit"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
       WHEN NOT EXISTS (SELECT 1 FROM audit_head
                        WHERE id = 1 AND seq + 1 = NEW.seq AND hash = NEW.prev_hash)
       BEGIN SELECT RAISE(ABORT, 'audit_log: an entry must follow the last one and carry its hash'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END""",
    """CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
       WHEN NOT ((NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash)
                 OR (NEW.id = OLD.id AND NEW.seq = OLD.seq + 1
                     AND EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)))
       BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward to the entry just appended'); END""",
]

POSTGRES_FUNCTIONS = [
    """CREATE FUNCTION safezone_audit_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
       END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION safezone_audit_chained() RETURNS trigger AS $$
       BEGIN
         IF NOT EXISTS (SELECT 1 FROM audit_head
                        WHERE id = 1 AND seq + 1 = NEW.seq AND hash = NEW.prev_hash) THEN
           RAISE EXCEPTION 'audit_log: an entry must follow the last one and carry its hash';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION safezone_audit_head_forward() RETURNS trigger AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' THEN
           RAISE EXCEPTION 'audit_head: % refused', TG_OP;
         END IF;
         IF NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash THEN
           RETURN NEW;
         END IF;
         IF NEW.id = OLD.id AND NEW.seq = OLD.seq + 1
            AND EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit_head only moves forward to the entry just appended';
       END $$ LANGUAGE plpgsql""",
]

POSTGRES_TRIGGERS = [
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION safezone_audit_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION safezone_audit_append_only()""",
    """CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
       FOR EACH ROW EXECUTE FUNCTION safezone_audit_chained()""",
    """CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION safezone_audit_head_forward()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION safezone_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)").bindparams(genesis=GENESIS))
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_FUNCTIONS + POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in ("safezone_audit_append_only", "safezone_audit_chained", "safezone_audit_head_forward"):
            op.execute(f"DROP FUNCTION {function}() CASCADE")
    for table in ("audit_head", "audit_log", "sessions", "users"):
        op.drop_table(table)
