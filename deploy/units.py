#!/usr/bin/env python3
"""The units of deploy/systemd/, run where systemd is not PID 1 (a container, a CI machine):
the very same ExecStart, WorkingDirectory, EnvironmentFile, Environment, User/Group, ExecReload
and a .socket's ListenStream, kept by a small supervisor of its own per unit. Standard library
only (Debian's /usr/bin/python3); deploy/install.sh uses it when systemd is absent.

    units.py [--unit-dir DIR] [--state-dir DIR] [--name NAME] start|stop|restart|reload|status [UNIT…]
    units.py … exec [--as-root] UNIT -- COMMAND…   COMMAND as the unit's user (or root), in its
                                                   directory and environment

UNIT is a unit's short name (web, worker, mqtt-sender, live, mosquitto, icecast, backup) or
its file name; none means every service in DIR (NAME-*.service but the Type=oneshot ones),
started in the order After= gives, stopped in the reverse. A oneshot unit (the backup) runs to
its end on `start`, in the foreground; its .timer is systemd's (use cron without it). Each started unit gets a detached supervisor (`units.py supervise UNIT`) that:

- holds the listening socket of NAME-UNIT.socket, when there is one, and hands it to each run
  of the service as fd 3 with LISTEN_FDS/LISTEN_PID (systemd's socket activation, which
  gunicorn reads): connections made while the service restarts wait in the backlog;
- runs ExecStart as User/Group in WorkingDirectory with the environment file; stdout and
  stderr are appended to STATE/log/UNIT.log (under systemd: the journal);
- starts it again when it dies and Restart= says so (after RestartSec; at most 5 times in 10 s);
- on `stop` (SIGTERM to the supervisor) sends KillSignal to the service, waits TimeoutStopSec,
  then kills its process group;
- on `restart` (SIGUSR1) stops the service the same way and starts it again, the socket kept.

`reload` runs ExecReload with $MAINPID, as systemd does. Pid files: STATE/run/UNIT.pid (the
service's main process, $MAINPID) and STATE/run/UNIT.supervisor.pid. Exit status: 0 when every
unit asked about is running (status) or did what was asked; 3 when one is not running.
"""

import argparse
import contextlib
import grp
import os
import pwd
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SIGNALS = {name: getattr(signal, name) for name in dir(signal) if name.startswith("SIG") and "_" not in name}
START_BURST, START_INTERVAL = 5, 10.0  # systemd's StartLimitBurst / StartLimitIntervalSec


class UnitError(Exception):
    pass


# --- unit files ---------------------------------------------------------------------------------


def parse_unit(path):
    """{section: {key: [values]}} of a systemd unit file (comments, continuation lines)."""
    sections, current, pending = {}, None, ""
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is None or "=" not in line:
            raise UnitError(f"{path}: không hiểu dòng {raw!r}")
        key, value = (part.strip() for part in line.split("=", 1))
        current.setdefault(key, []).append(value)
    return sections


def parse_env_file(path):
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (quotes removed, comments skipped)."""
    env = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            env[key] = value
    return env


def expand(words, env):
    """systemd's $VAR / ${VAR} in a command line: ${VAR} stays one word, a lone $VAR splits."""
    out = []
    for word in words:
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
            out.extend(env.get(word[1:], "").split())
            continue
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m[1], ""), word))
    return out


def seconds(value, default):
    """'35', '35s', '2min', '500ms' → seconds."""
    if not value:
        return default
    match = re.fullmatch(r"\s*([0-9.]+)\s*(ms|s|sec|min|m)?\s*", value)
    if not match:
        return default
    number = float(match[1])
    return {"ms": number / 1000, "min": number * 60, "m": number * 60}.get(match[2], number)


class Unit:
    def __init__(self, path, state_dir):
        self.path = Path(path)
        self.file = self.path.name
        self.stem = self.path.name.removesuffix(".service")
        sections = parse_unit(path)
        self.unit = sections.get("Unit", {})
        self.service = sections.get("Service", {})
        socket_path = self.path.with_suffix(".socket")
        self.listen = None
        if socket_path.exists():
            listen = parse_unit(socket_path).get("Socket", {}).get("ListenStream", [])
            backlog = parse_unit(socket_path).get("Socket", {}).get("Backlog", ["2048"])
            if listen:
                self.listen, self.backlog = listen[-1], int(backlog[-1])
        run, log = Path(state_dir) / "run", Path(state_dir) / "log"
        self.pid_file = run / f"{self.stem}.pid"
        self.supervisor_file = run / f"{self.stem}.supervisor.pid"
        self.log_file = log / f"{self.stem}.log"

    @property
    def oneshot(self):
        """Type=oneshot (the nightly backup): a job run to its end on `start`, not a service kept
        running; left out when no unit is named, and timers are systemd's alone."""
        return self.one("Type") == "oneshot"

    def one(self, key, default=None):
        values = self.service.get(key)
        return values[-1] if values else default

    @property
    def after(self):
        return " ".join(self.unit.get("After", []) + self.unit.get("Requires", [])).split()

    def environment(self):
        """What the service's process gets: systemd's base, User='s account, Environment=, the files."""
        env = {"PATH": DEFAULT_PATH, "LANG": "C.UTF-8"}
        user = self.one("User")
        if user:
            account = pwd.getpwnam(user)
            env.update(HOME=account.pw_dir, USER=user, LOGNAME=user, SHELL=account.pw_shell)
        for line in self.service.get("Environment", []):
            for pair in shlex.split(line):
                if "=" in pair:
                    key, value = pair.split("=", 1)
                    env[key] = value
        for name in self.service.get("EnvironmentFile", []):
            optional = name.startswith("-")
            name = name.lstrip("-")
            if optional and not Path(name).exists():
                continue
            try:
                env.update(parse_env_file(name))
            except OSError as exc:
                raise UnitError(f"{self.file}: không đọc được EnvironmentFile {name}: {exc}") from exc
        return env

    def command(self, key, env, line=None):
        line = line if line is not None else self.one(key)
        if not line:
            return None
        line = line.lstrip("-@+!:")
        return expand(shlex.split(line), env)

    def credentials(self):
        user, group = self.one("User"), self.one("Group")
        if not user:
            return None
        account = pwd.getpwnam(user)
        gid = grp.getgrnam(group).gr_gid if group else account.pw_gid
        return user, account.pw_uid, gid


def load_units(unit_dir, state_dir, name):
    found = sorted(Path(unit_dir).glob(f"{name}-*.service"))
    return {path.name.removesuffix(".service").removeprefix(f"{name}-"): Unit(path, state_dir) for path in found}


def ordered(units):
    """Short names in start order: each after the units its After=/Requires= name."""
    by_stem = {unit.stem: short for short, unit in units.items()}
    done, out = set(), []

    def visit(short, trail=()):
        if short in done:
            return
        if short in trail:
            raise UnitError(f"vòng lặp After= giữa {', '.join(trail)}")
        for dependency in units[short].after:
            dependency = dependency.removesuffix(".service").removesuffix(".socket")
            if dependency in by_stem and by_stem[dependency] != short:
                visit(by_stem[dependency], (*trail, short))
        done.add(short)
        out.append(short)

    for short in sorted(units):
        visit(short)
    return out


# --- processes ----------------------------------------------------------------------------------


def read_pid(path):
    try:
        pid = int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not running: /proc says so.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def listening_socket(address, backlog):
    host, _, port = address.rpartition(":")
    if not host:
        host = "0.0.0.0"
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, int(port)))
    sock.listen(backlog)
    return sock


def spawn(unit, sock):
    """Fork and exec the service (its own process group); the child's pid."""
    env = unit.environment()
    argv = unit.command("ExecStart", env)
    if not argv:
        raise UnitError(f"{unit.file}: không có ExecStart")
    workdir = unit.one("WorkingDirectory", "/").lstrip("-")
    credentials = unit.credentials()
    log = os.open(unit.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    pid = os.fork()
    if pid:
        os.close(log)
        return pid
    try:  # the child: never returns
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        if sock is not None:
            os.dup2(sock.fileno(), 3)
            os.set_inheritable(3, True)
            env.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES=unit.stem)
        os.closerange(4 if sock is not None else 3, 1024)
        if credentials:
            user, uid, gid = credentials
            os.initgroups(user, gid)
            os.setgid(gid)
            os.setuid(uid)
        os.umask(0o022)
        os.chdir(workdir)
        os.execve(argv[0], argv, env)
    except BaseException as exc:  # noqa: BLE001 - report anything in the log, then leave
        os.write(2, f"units.py: không chạy được {' '.join(argv)}: {exc}\n".encode())
    os._exit(127)


def stop_process(pid, unit):
    """KillSignal to the main process, then SIGKILL to its group after TimeoutStopSec."""
    sig = SIGNALS.get(unit.one("KillSignal", "SIGTERM"), signal.SIGTERM)
    timeout = seconds(unit.one("TimeoutStopSec"), 90.0)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    # What the service left behind in its group (KillMode=mixed / control-group).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def note(unit, text):
    with open(unit.log_file, "a", encoding="utf-8") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} units.py: {text}\n")


def supervise(unit):
    """The supervisor's loop (runs detached, as root): see the module's docstring."""
    unit.pid_file.parent.mkdir(parents=True, exist_ok=True)
    unit.supervisor_file.write_text(f"{os.getpid()}\n")
    sock = listening_socket(unit.listen, unit.backlog) if unit.listen else None
    state = {"stop": False, "restart": False}
    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGINT, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGUSR1, lambda *_: state.update(restart=True))
    policy = unit.one("Restart", "no")
    pause = seconds(unit.one("RestartSec"), 0.1)
    starts = []
    try:
        while not state["stop"]:
            starts = [t for t in starts if time.monotonic() - t < START_INTERVAL] + [time.monotonic()]
            if len(starts) > START_BURST:
                note(unit, f"khởi động lại quá {START_BURST} lần trong {START_INTERVAL:.0f} giây: dừng hẳn")
                return 1
            pid = spawn(unit, sock)
            unit.pid_file.write_text(f"{pid}\n")
            note(unit, f"đã chạy, pid {pid}")
            status = None
            while status is None:
                if state["stop"] or state["restart"]:
                    note(unit, "dừng" if state["stop"] else "khởi động lại")
                    stop_process(pid, unit)
                    status = 0
                    break
                try:
                    done, code = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, code = pid, 0
                if done:
                    status = os.waitstatus_to_exitcode(code)
                    note(unit, f"tiến trình {pid} đã thoát, mã {status}")
                    break
                time.sleep(0.1)
            unit.pid_file.unlink(missing_ok=True)
            if state["restart"]:
                state["restart"] = False
                starts = []
                continue
            if state["stop"]:
                break
            if policy == "always" or (policy == "on-failure" and status != 0):
                time.sleep(pause)
                continue
            return status
        return 0
    finally:
        unit.pid_file.unlink(missing_ok=True)
        unit.supervisor_file.unlink(missing_ok=True)
        if sock is not None:
            sock.close()


# --- commands -----------------------------------------------------------------------------------


def run_oneshot(unit):
    """A Type=oneshot unit as systemd starts one: ExecStartPre then every ExecStart, in order, in
    the foreground ("+": as root, "-": a failure ignored); output to the unit's log."""
    env = unit.environment()
    credentials = unit.credentials()
    workdir = unit.one("WorkingDirectory", "/").lstrip("-")
    unit.log_file.parent.mkdir(parents=True, exist_ok=True)
    for key in ("ExecStartPre", "ExecStart"):
        for line in unit.service.get(key, []):
            prefix = line[: len(line) - len(line.lstrip("-@+!:"))]
            argv = unit.command(key, env, line)
            as_user = credentials if "+" not in prefix else None

            def drop(as_user=as_user):
                os.setpgid(0, 0)
                if as_user:
                    os.initgroups(as_user[0], as_user[2])
                    os.setgid(as_user[2])
                    os.setuid(as_user[1])
                os.umask(int(unit.one("UMask", "0022"), 8))

            note(unit, f"chạy: {' '.join(argv)}")
            with open(unit.log_file, "ab") as log:
                done = subprocess.run(argv, env=env, cwd=workdir, stdout=log, stderr=log, preexec_fn=drop, check=False)
            if done.returncode != 0 and "-" not in prefix:
                print(f"{unit.stem}: {argv[0]} thoát với mã {done.returncode}; xem {unit.log_file}", file=sys.stderr)
                return 1
    print(f"{unit.stem}: đã chạy xong")
    return 0


def start(unit, args):
    if unit.oneshot:
        return run_oneshot(unit)
    if read_pid(unit.supervisor_file):
        print(f"{unit.stem}: đang chạy (pid {read_pid(unit.pid_file) or '?'})")
        return 0
    unit.pid_file.parent.mkdir(parents=True, exist_ok=True)
    unit.log_file.parent.mkdir(parents=True, exist_ok=True)
    unit.environment()  # a missing environment file or user fails here, in front of the operator
    unit.credentials()
    if unit.listen:  # the port must be free before the supervisor takes it
        listening_socket(unit.listen, 1).close()
    command = [sys.executable, os.path.abspath(__file__), *args.common, "supervise", unit.stem]
    with open(os.devnull, "rb") as null, open(unit.log_file, "ab") as log:
        subprocess.Popen(command, stdin=null, stdout=log, stderr=log, start_new_session=True, close_fds=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not read_pid(unit.pid_file):
        time.sleep(0.05)
    pid = read_pid(unit.pid_file)
    time.sleep(0.5)  # a service that dies at once (a bad option, a busy port) shows here
    if not pid or not read_pid(unit.supervisor_file):
        print(f"{unit.stem}: không khởi động được; xem {unit.log_file}:", file=sys.stderr)
        print(tail(unit.log_file), file=sys.stderr)
        return 1
    print(f"{unit.stem}: đã chạy (pid {read_pid(unit.pid_file) or pid})")
    return 0


def stop(unit, args):
    supervisor = read_pid(unit.supervisor_file)
    if not supervisor:
        print(f"{unit.stem}: không chạy")
        unit.pid_file.unlink(missing_ok=True)
        return 0
    os.kill(supervisor, signal.SIGTERM)
    deadline = time.monotonic() + seconds(unit.one("TimeoutStopSec"), 90.0) + 5
    while time.monotonic() < deadline and alive(supervisor):
        time.sleep(0.05)
    if alive(supervisor):
        os.kill(supervisor, signal.SIGKILL)
        main = read_pid(unit.pid_file)
        if main:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(main, signal.SIGKILL)
    print(f"{unit.stem}: đã dừng")
    return 0


def restart(unit, args):
    supervisor = read_pid(unit.supervisor_file)
    if not supervisor:
        return start(unit, args)
    before = read_pid(unit.pid_file)
    os.kill(supervisor, signal.SIGUSR1)
    deadline = time.monotonic() + seconds(unit.one("TimeoutStopSec"), 90.0) + 10
    while time.monotonic() < deadline:
        now = read_pid(unit.pid_file)
        if now and now != before:
            print(f"{unit.stem}: đã khởi động lại (pid {now})")
            return 0
        time.sleep(0.05)
    print(f"{unit.stem}: không khởi động lại được; xem {unit.log_file}", file=sys.stderr)
    return 1


def reload(unit, args):
    main = read_pid(unit.pid_file)
    if not main:
        print(f"{unit.stem}: không chạy", file=sys.stderr)
        return 3
    env = {**unit.environment(), "MAINPID": str(main)}
    argv = unit.command("ExecReload", env)
    if not argv:
        return restart(unit, args)
    subprocess.run(argv, check=True, env=env)
    print(f"{unit.stem}: đã nạp lại (pid {main})")
    return 0


def status(unit, args):
    if unit.oneshot:
        print(f"· {unit.stem}: chạy một lần (units.py start {unit.stem}); nhật ký {unit.log_file}")
        return 0
    main, supervisor = read_pid(unit.pid_file), read_pid(unit.supervisor_file)
    if main and supervisor:
        print(f"● {unit.stem}: đang chạy, pid {main}{', socket ' + unit.listen if unit.listen else ''}")
        return 0
    print(f"○ {unit.stem}: không chạy{' (đang khởi động lại)' if supervisor else ''}; nhật ký {unit.log_file}")
    return 3


def run_as(unit, command, as_root=False):
    """exec COMMAND as the unit's process would run (user, directory, environment); `as_root`
    keeps root (install.sh's collectstatic writes the root-owned static folder)."""
    env = unit.environment()
    credentials = None if as_root else unit.credentials()
    if credentials and os.geteuid() == 0:
        user, uid, gid = credentials
        os.initgroups(user, gid)
        os.setgid(gid)
        os.setuid(uid)
    elif credentials and os.geteuid() != credentials[1]:
        raise UnitError(f"chạy lệnh này bằng root hoặc bằng người dùng {credentials[0]}")
    os.chdir(unit.one("WorkingDirectory", "/").lstrip("-"))
    env.update({k: v for k, v in os.environ.items() if k in ("TERM", "COLUMNS", "LINES")})
    os.execvpe(command[0], command, env)


def tail(path, lines=20):
    try:
        return "\n".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(chưa có nhật ký)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit-dir", default="/etc/systemd/system")
    parser.add_argument("--state-dir", default="/srv/tincoso/var")
    parser.add_argument("--name", default="tincoso", help="the instance: units NAME-*.service")
    parser.add_argument("action", choices=["start", "stop", "restart", "reload", "status", "supervise", "exec"])
    parser.add_argument("units", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    args.common = ["--unit-dir", args.unit_dir, "--state-dir", args.state_dir, "--name", args.name]
    try:
        units = load_units(args.unit_dir, args.state_dir, args.name)
        if not units:
            raise UnitError(f"không có tệp {args.name}-*.service trong {args.unit_dir}")

        def find(name):
            short = name.removesuffix(".service").removeprefix(f"{args.name}-")
            if short not in units:
                raise UnitError(f"không có dịch vụ {name!r}; có: {', '.join(sorted(units))}")
            return short

        if args.action == "exec":
            words = list(args.units)
            as_root = bool(words) and words[0] == "--as-root"
            words = words[1:] if as_root else words
            if len(words) < 3 or words[1] != "--":
                raise UnitError("dùng: units.py exec [--as-root] UNIT -- LỆNH …")
            if as_root and os.geteuid() != 0:
                raise UnitError("--as-root: cần chạy bằng root")
            run_as(units[find(words[0])], words[2:], as_root=as_root)
        if args.action == "supervise":
            return supervise(units[find(args.units[0])])
        if args.units:
            named = {find(n) for n in args.units}
            chosen = [short for short in ordered(units) if short in named]
        else:
            chosen = [short for short in ordered(units) if not units[short].oneshot]
        if args.action == "stop":
            chosen.reverse()
        if os.geteuid() != 0 and args.action != "status":
            raise UnitError("cần chạy bằng root (các dịch vụ đổi sang người dùng của chúng)")
        action = {"start": start, "stop": stop, "restart": restart, "reload": reload, "status": status}[args.action]
        results = [action(units[short], args) for short in chosen]
        return max(results, default=0)
    except (UnitError, OSError, KeyError, subprocess.CalledProcessError) as exc:
        print(f"units.py: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
