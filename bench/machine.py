"""What a benchmark ran on: CPU, cores, RAM, OS, Python, Django/Wagtail and the database.

Printed by every script in bench/ next to its figures, so that a figure is never read
without its machine. Only reads /proc, the platform module and the open connection.
"""

import os
import platform
import sys


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _ram_gib():
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return None


def _os_name():
    try:
        with open("/etc/os-release", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}"


def database_info(connection=None):
    """'SQLite 3.40.1' or 'PostgreSQL 15.20', from Django's connection (after django.setup())."""
    if connection is None:
        from django.db import connection
    vendor = connection.vendor
    if vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    if vendor == "postgresql":
        connection.ensure_connection()
        v = connection.pg_version  # e.g. 150020
        return f"PostgreSQL {v // 10000}.{v % 100}"
    connection.ensure_connection()
    return f"{connection.display_name} {'.'.join(map(str, connection.get_database_version()))}"


def load_average():
    """1-minute load average: above the core count, other work shared the CPUs."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def machine_info(connection=None):
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_1min": load_average(),
    }
    try:
        import django
        import wagtail

        info["django"] = django.get_version()
        info["wagtail"] = wagtail.__version__
    except ImportError:
        pass
    try:
        info["database"] = "no database" if connection is False else database_info(connection)
    except Exception as exc:  # noqa: BLE001 - not set up yet, or no database: say so rather than fail
        info["database"] = f"unknown ({exc.__class__.__name__})"
    return info


def machine_line(info=None, connection=None):
    i = info or machine_info(connection)
    ram = f"{i['ram_gib']:.1f} GiB RAM" if i.get("ram_gib") else "RAM unknown"
    parts = [
        f"{i['cpu']}, {i['cores']} cores, {ram}",
        i["os"],
        i["python"],
    ]
    if "django" in i:
        parts.append(f"Django {i['django']}, Wagtail {i['wagtail']}")
    parts.append(i["database"])
    if i.get("load_1min") is not None:
        parts.append(f"load {i['load_1min']:.1f} when measured")
    return "Machine: " + " · ".join(parts)


if __name__ == "__main__":
    # Without Django: CPU, RAM, OS and Python only.
    sys.stdout.write(machine_line(machine_info(connection=False)) + "\n")
