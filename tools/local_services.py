"""A free port and a fresh PostgreSQL database on this machine, for the benchmark and the load test.

Both tools start servers of their own on loopback and build their data in a database they may
throw away; they read these two helpers from here rather than each keeping a copy.
"""

import socket
from urllib.parse import urlsplit, urlunsplit

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port nothing listens on now (the system picks it, so runs side by side differ)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def postgres_database_recreate(url: str) -> None:
    """Drop the database ``url`` names, if it exists, and create it empty (through the server's ``postgres``)."""
    import psycopg2  # only the PostgreSQL runs need the driver

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
