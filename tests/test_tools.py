"""The benchmark and the load test read their shared helpers from tools/, not from copies of their own."""

import ast
import socket
from pathlib import Path

from tools.local_services import free_port

ROOT = Path(__file__).resolve().parent.parent
SHARED = {"free_port", "postgres_database_recreate"}


def _defined_and_imported(path: Path) -> tuple[set[str], set[str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "tools.local_services"
        for alias in node.names
    }
    return defined, imported


def test_bench_and_load_import_the_shared_helpers_and_keep_no_copy():
    for tool in ("bench/run.py", "load/run.py"):
        defined, imported = _defined_and_imported(ROOT / tool)
        assert imported >= SHARED, tool
        copies = {name for name in defined if "free_port" in name or "recreate" in name}
        assert not copies, f"{tool} defines its own {copies}"


def test_free_port_is_a_loopback_port_nothing_listens_on():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # would raise if taken
