"""The throwaway PostgreSQL, like the topology's, asks for a password on TCP and keeps it out of sight."""

import psycopg
import pytest
import sqlalchemy as sa

from deploy.launch import hidden_password


def _parts(url: str) -> tuple[str, str, str]:
    """Return (password, port, database) of a postgresql+psycopg://postgres:password@127.0.0.1:port/db URL."""
    credentials, place = url.split("://", 1)[1].rsplit("@", 1)
    return credentials.split(":", 1)[1], place.split(":")[1].split("/")[0], place.rsplit("/", 1)[1]


def test_a_connection_without_the_password_is_refused_and_one_with_it_is_served(postgres_url):
    password, port, database = _parts(postgres_url)
    assert len(password) >= 24
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=database, connect_timeout=5)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", password=password[::-1], dbname=database,
                        connect_timeout=5)
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            method = connection.execute(sa.text(
                "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND auth_method <> 'reject'")).scalars()
            assert set(method) == {"scram-sha-256"}, "no TCP connection is trusted"
    finally:
        engine.dispose()


def test_a_url_is_printed_with_its_password_hidden(postgres_url):
    password = _parts(postgres_url)[0]
    shown = hidden_password(postgres_url)
    assert password not in shown and shown.startswith("postgresql+psycopg://postgres:***@127.0.0.1:")
    assert hidden_password("sqlite:////tmp/runs.sqlite3") == "sqlite:////tmp/runs.sqlite3"
    assert hidden_password("postgresql://lens@db/lens") == "postgresql://lens@db/lens"
