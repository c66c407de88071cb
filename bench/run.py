"""Message-path benchmark: livehelp against a bare python-socketio ceiling.

    python -m bench.run --clients 1000 --rate 333 --duration 20 --saturate-duration 15
    python -m bench.run --quick --target bare --json /tmp/out.json

For each target it starts the server in a subprocess on 127.0.0.1, prepares rooms
of three (one sender, two receivers), connects the clients from a few worker
processes, runs a paced phase (open loop: a fixed total rate, which is what
latency should be judged at) and a saturating phase (closed loop: every sender
sends again as soon as its ack returns, which finds the throughput ceiling), and
prints rates, latency percentiles, server CPU per message and RSS per client.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from bench import procstat
from bench.loadgen import PhaseParams, RoomSpec, worker_main

REPO = Path(__file__).resolve().parent.parent
TARGETS = ("bare", "livehelp")


class Target(Protocol):
    """How to start one server and give its clients rooms; see bench/livehelp_setup.py."""

    name: str

    def before_start(self, tmpdir: Path, n_rooms: int) -> None: ...

    def command(self, host: str, port: int, tmpdir: Path) -> list[str]: ...

    async def prepare(self, base_url: str, n_rooms: int) -> list[RoomSpec]: ...


class BareTarget:
    """The ceiling: bench/bare_server.py; rooms are named in the connect auth."""

    name = "bare"

    def __init__(self, gc_mode: str = "tuned") -> None:
        self.gc_mode = gc_mode

    def before_start(self, tmpdir: Path, n_rooms: int) -> None:
        pass

    def command(self, host: str, port: int, tmpdir: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "bench.bare_server",
            "--host",
            host,
            "--port",
            str(port),
            "--gc",
            self.gc_mode,
        ]

    async def prepare(self, base_url: str, n_rooms: int) -> list[RoomSpec]:
        return [
            RoomSpec(f"bench-{i}", {"room": f"bench-{i}"}, [{"room": f"bench-{i}"}, {"room": f"bench-{i}"}])
            for i in range(n_rooms)
        ]


@dataclass
class Settings:
    clients: int
    rate: float
    duration: float
    saturate_duration: float
    warmup: float
    window: int
    workers: int
    drain: float
    body_size: int
    pin: bool
    database_url: str | None
    config: str | None
    keep_tmp: bool
    profile: str | None = None
    # livehelp server processes sharing one PostgreSQL database and one Redis (1 = the usual single process)
    processes: int = 1
    redis_url: str | None = None
    # --idle: connect the clients, measure memory and idle CPU, send nothing
    idle_only: bool = False


# -- small helpers ----------------------------------------------------------------
def git_revision() -> str:
    """The commit measured (with "+dirty" when the tree has changes), for the results' record."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (rev or "unknown") + ("+dirty" if dirty else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"server not healthy after {timeout:.0f}s: {last}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def recv(conn: Connection, timeout: float, what: str) -> Any:
    if not conn.poll(timeout):
        raise RuntimeError(f"load worker gave no answer to {what} within {timeout:.0f}s")
    return conn.recv()


def sleep_until(wall: float) -> None:
    delay = wall - time.time()
    if delay > 0:
        time.sleep(delay)


# -- one target ---------------------------------------------------------------------
class Run:
    """Everything for one target: server, workers, phases; always cleaned up."""

    def __init__(self, target: Target, s: Settings) -> None:
        self.target = target
        self.s = s
        self.n_rooms = s.clients // 3
        self.tmpdir = Path(tempfile.mkdtemp(prefix=f"bench-{target.name}-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers: list[tuple[mp.process.BaseProcess, Connection]] = []

    def start_servers(self) -> list[str]:
        """One server, or `processes` of them on the same database (and Redis), each on its own port."""
        urls = [self.start_server(i) for i in range(max(1, self.s.processes))]
        self.proc = self.procs[0]
        return urls

    def server_cpu(self) -> float:
        return sum(procstat.cpu_seconds(p.pid) for p in self.procs)

    def server_rss(self) -> int:
        return sum(procstat.rss_bytes(p.pid) for p in self.procs)

    def start_server(self, index: int = 0) -> str:
        port = free_port()
        host = "127.0.0.1"
        cmd = self.target.command(host, port, self.tmpdir)
        if self.s.profile and cmd[1:2] == ["-m"]:
            # cProfile writes its file when the server returns from SIGINT; it slows the server
            # a lot, so only the shares of the profile mean anything, not the run's figures
            Path(self.s.profile).mkdir(parents=True, exist_ok=True)
            out = str(Path(self.s.profile).resolve() / f"{self.target.name}.prof")
            cmd = [cmd[0], "-m", "cProfile", "-o", out, *cmd[1:]]
        log = open(self.tmpdir / f"server{index or ''}.log", "wb")  # noqa: SIM115 - lives as long as the server
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if self.s.pin:
            taskset = shutil.which("taskset")
            if taskset is None:
                raise RuntimeError("--pin needs taskset (util-linux)")
            cmd = [taskset, "-c", "0", *cmd]  # taskset execs, so the pid stays the server's
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.procs.append(proc)
        base = f"http://{host}:{port}"
        wait_healthy(base, proc, timeout=60)
        return base

    def start_workers(self, base_url: str | list[str], specs: list[RoomSpec]) -> dict[str, Any]:
        ctx = mp.get_context("spawn")
        n = max(1, min(self.s.workers, len(specs)))
        shares: list[list[RoomSpec]] = [specs[i::n] for i in range(n)]
        for i in range(n):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child, i, base_url), daemon=True)
            proc.start()
            if self.s.pin and os.cpu_count() and (os.cpu_count() or 1) > 1:
                os.sched_setaffinity(proc.pid or 0, set(range(1, os.cpu_count() or 2)))
            self.workers.append((proc, parent))
        for (_, conn), share in zip(self.workers, shares, strict=True):
            conn.send(("connect", share))
        infos = [recv(conn, 120 + 0.2 * self.s.clients, "connect")[1] for _, conn in self.workers]
        return {
            "connected": sum(i["connected"] for i in infos),
            "failed": sum(i["failed"] for i in infos),
            "failures": [f for i in infos for f in i["failures"]][:5],
            "seconds": max(i["seconds"] for i in infos),
        }

    def worker_cpu(self) -> float:
        return sum(procstat.cpu_seconds(p.pid or 0, tree=False) for p, _ in self.workers)

    def phase(self, params: PhaseParams) -> dict[str, Any]:
        assert self.proc is not None
        params.start_wall = time.time() + 0.5
        for _, conn in self.workers:
            conn.send(("phase", params))
        sleep_until(params.start_wall)
        cpu0, wcpu0, sys0 = (
            self.server_cpu(),
            self.worker_cpu(),
            procstat.system_cpu_ticks(),
        )
        sleep_until(params.start_wall + params.duration)
        cpu1, wcpu1, sys1 = (
            self.server_cpu(),
            self.worker_cpu(),
            procstat.system_cpu_ticks(),
        )
        results = [
            recv(conn, params.drain + ACK_GRACE + 30, f"phase {params.name}")[1] for _, conn in self.workers
        ]
        return summarize(params, results, cpu1 - cpu0, wcpu1 - wcpu0, sys0, sys1)

    def execute(self) -> dict[str, Any]:
        s = self.s
        out: dict[str, Any] = {"target": self.target.name, "tmpdir": str(self.tmpdir)}
        try:
            started = time.perf_counter()
            self.target.before_start(self.tmpdir, self.n_rooms)
            urls = self.start_servers()
            base = urls[0]
            assert self.proc is not None
            specs = asyncio.run(self.target.prepare(base, self.n_rooms))
            out["setup_seconds"] = round(time.perf_counter() - started, 1)
            notes = getattr(self.target, "notes", None)
            if notes is not None:
                out.update(notes.as_dict())
            time.sleep(1)
            rss_before = self.server_rss()
            conn_info = self.start_workers(urls if len(urls) > 1 else base, specs)
            out["connect"] = conn_info
            time.sleep(1)
            rss_connected = self.server_rss()
            clients = max(1, conn_info["connected"])
            out["clients"] = conn_info["connected"]
            out["rss_before_mb"] = round(rss_before / 2**20, 1)
            out["rss_connected_mb"] = round(rss_connected / 2**20, 1)
            out["rss_per_client_kb"] = round((rss_connected - rss_before) / clients / 1024, 1)
            # what the connected but silent clients cost (heartbeats, background jobs)
            cpu0 = self.server_cpu()
            time.sleep(IDLE_SECONDS)
            out["idle_cpu_pct"] = round(100 * (self.server_cpu() - cpu0) / IDLE_SECONDS, 1)
            per_sender = s.rate / len(specs)

            def params(name: str, mode: str, duration: float) -> PhaseParams:
                return PhaseParams(
                    name=name,
                    mode=mode,
                    start_wall=0.0,
                    duration=duration,
                    rate_per_sender=per_sender,
                    window=s.window,
                    drain=s.drain,
                    body_size=s.body_size,
                )

            if s.idle_only:
                out["rss_total_mb"] = round(rss_connected / 2**20, 1)
                out["phases"] = {}
                return out
            if s.warmup > 0:
                self.phase(params("warmup", "paced", s.warmup))
            phases = {
                "paced": self.phase(params("paced", "paced", s.duration)),
                "saturate": self.phase(params("saturate", "saturate", s.saturate_duration)),
            }
            out["phases"] = phases
            out["rss_after_mb"] = round(self.server_rss() / 2**20, 1)
            out["processes"] = len(self.procs)
        except Exception as exc:  # noqa: BLE001 - reported per target, the other target still runs
            out["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            self.cleanup(out)
        return out

    def cleanup(self, out: dict[str, Any]) -> None:
        closed = []
        for proc, conn in self.workers:
            try:
                conn.send(("close",))
                closed.append(recv(conn, 30, "close")[1])
            except (RuntimeError, OSError, EOFError):
                pass
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        out["unexpected_disconnects"] = sum(c.get("disconnects", 0) for c in closed)
        out["bad_frames"] = sum(c.get("bad_frames", 0) for c in closed)
        for extra in self.procs[1:]:
            stop_server(extra)
        if self.proc is not None:
            stop_server(self.proc)
            out["server_exit_code"] = self.proc.returncode
            log = [line for path in sorted(self.tmpdir.glob("server*.log"))
                   for line in path.read_text(errors="replace").splitlines()]
            out["server_log_tail"] = log[-15:]
            out["server_log_errors"] = sum(1 for line in log if "Traceback" in line or "ERROR" in line)
        if not self.s.keep_tmp and "error" not in out:
            for p in sorted(self.tmpdir.rglob("*"), reverse=True):
                p.unlink() if p.is_file() or p.is_symlink() else p.rmdir()
            self.tmpdir.rmdir()


ACK_GRACE = 10.0
IDLE_SECONDS = 3.0


def summarize(
    params: PhaseParams,
    results: list[dict[str, Any]],
    server_cpu: float,
    worker_cpu: float,
    sys0: tuple[int, int],
    sys1: tuple[int, int],
) -> dict[str, Any]:
    """Merge the workers' counts and turn them into rates, percentiles and CPU figures."""
    total = {
        k: sum(r[k] for r in results)
        for k in (
            "sent",
            "send_failures",
            "skipped",
            "acked",
            "acked_in_window",
            "timeouts",
            "deliveries",
            "deliveries_in_window",
            "expected_deliveries",
            "lost",
            "duplicates",
            "unexpected",
            "echoes",
            "seq_gaps",
            "disconnects",
        )
    }
    errors: dict[str, int] = {}
    samples: dict[str, str] = {}
    for r in results:
        for code, n in r["errors"].items():
            errors[code] = errors.get(code, 0) + n
        for code, text in r["error_samples"].items():
            samples.setdefault(code, text)
    lat = sorted(x / 1e6 for r in results for x in r["latencies_ns"])
    ack = sorted(x / 1e6 for r in results for x in r["ack_latencies_ns"])
    d = params.duration
    busy = (sys1[0] - sys0[0]) / max(1, sys1[1] - sys0[1])
    cores = os.cpu_count() or 1

    def r2(x: float | None) -> float | None:
        return None if x is None else round(x, 2)

    return {
        "mode": params.mode,
        "duration_s": d,
        **total,
        "errors": errors,
        "error_samples": samples,
        "error_count": sum(errors.values()) + total["timeouts"] + total["send_failures"],
        "sent_per_s": round(total["sent"] / d, 1),
        "acked_per_s": round(total["acked_in_window"] / d, 1),
        "delivered_per_s": round(total["deliveries_in_window"] / d, 1),
        "latency_ms": {
            "p50": r2(percentile(lat, 50)),
            "p95": r2(percentile(lat, 95)),
            "p99": r2(percentile(lat, 99)),
            "max": r2(lat[-1] if lat else None),
        },
        "ack_latency_ms": {
            "p50": r2(percentile(ack, 50)),
            "p95": r2(percentile(ack, 95)),
            "p99": r2(percentile(ack, 99)),
        },
        "server_cpu_pct": round(100 * server_cpu / d, 1),
        "server_cpu_ms_per_msg": r2(1000 * server_cpu / total["acked_in_window"])
        if total["acked_in_window"]
        else None,
        "client_cpu_pct": round(100 * worker_cpu / d, 1),
        "machine_busy_pct": round(100 * busy * cores, 1),  # 200 = both cores busy
        "other_cpu_pct": round(max(0.0, 100 * busy * cores - 100 * (server_cpu + worker_cpu) / d), 1),
    }


# -- output -------------------------------------------------------------------------
COLUMNS = [
    ("target", 8),
    ("phase", 8),
    ("clients", 7),
    ("sent/s", 8),
    ("deliv/s", 8),
    ("p50ms", 7),
    ("p95ms", 7),
    ("p99ms", 7),
    ("ack99", 7),
    ("cpu ms/msg", 10),
    ("srv cpu%", 8),
    ("cli cpu%", 8),
    ("other%", 6),
    ("rss/cli kB", 10),
    ("errors", 6),
    ("lost", 5),
]


def fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"
    return str(x)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print(" ".join(name.rjust(w) for name, w in COLUMNS))
    for name, res in results.items():
        if "error" in res:
            print(f"{name:>8} FAILED: {res['error']}")
            continue
        for phase, p in res["phases"].items():
            row = [
                name,
                phase,
                res["clients"],
                p["sent_per_s"],
                p["delivered_per_s"],
                p["latency_ms"]["p50"],
                p["latency_ms"]["p95"],
                p["latency_ms"]["p99"],
                p["ack_latency_ms"]["p99"],
                p["server_cpu_ms_per_msg"],
                p["server_cpu_pct"],
                p["client_cpu_pct"],
                p["other_cpu_pct"],
                res["rss_per_client_kb"],
                p["error_count"],
                p["lost"],
            ]
            print(" ".join(fmt(v).rjust(w) for v, (_, w) in zip(row, COLUMNS, strict=True)))
        problems = {
            f"{phase}.{k}": v
            for phase, p in res["phases"].items()
            for k, v in p.items()
            if k in ("duplicates", "unexpected", "seq_gaps", "disconnects", "timeouts", "skipped") and v
        }
        for k in ("unexpected_disconnects", "bad_frames", "server_log_errors", "setup_retries"):
            if res.get(k):
                problems[k] = res[k]
        if problems or res["phases"]["paced"]["errors"] or res["phases"]["saturate"]["errors"]:
            print(
                f"{'':>8} {name}: ack errors paced={res['phases']['paced']['errors']} "
                f"saturate={res['phases']['saturate']['errors']}; other={problems}"
            )
            for phase in res["phases"].values():
                for code, text in phase["error_samples"].items():
                    print(f"{'':>8} {name}: {code}: {text}")


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    bare, lh = results.get("bare"), results.get("livehelp")
    if not bare or not lh or "error" in bare or "error" in lh:
        return None
    b, l_ = bare["phases"]["saturate"], lh["phases"]["saturate"]
    bp, lp = bare["phases"]["paced"], lh["phases"]["paced"]
    return {
        "saturate_sent_ratio": round(l_["acked_per_s"] / b["acked_per_s"], 3) if b["acked_per_s"] else None,
        "saturate_delivered_ratio": round(l_["delivered_per_s"] / b["delivered_per_s"], 3)
        if b["delivered_per_s"]
        else None,
        "cpu_per_msg_ratio": round(l_["server_cpu_ms_per_msg"] / b["server_cpu_ms_per_msg"], 2)
        if l_["server_cpu_ms_per_msg"] and b["server_cpu_ms_per_msg"]
        else None,
        "livehelp_paced_p99_ms": lp["latency_ms"]["p99"],
        "paced_p99_ratio": round(lp["latency_ms"]["p99"] / bp["latency_ms"]["p99"], 2)
        if lp["latency_ms"]["p99"] and bp["latency_ms"]["p99"]
        else None,
        "paced_cpu_per_msg_ratio": round(lp["server_cpu_ms_per_msg"] / bp["server_cpu_ms_per_msg"], 2)
        if lp["server_cpu_ms_per_msg"] and bp["server_cpu_ms_per_msg"]
        else None,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=1000, help="connected clients, in rooms of 3")
    ap.add_argument("--rate", type=float, default=333, help="paced phase: total messages/s")
    ap.add_argument("--duration", type=float, default=20, help="paced phase seconds")
    ap.add_argument("--saturate-duration", type=float, default=15, help="saturating phase seconds")
    ap.add_argument("--warmup", type=float, default=2, help="unreported paced seconds first")
    ap.add_argument("--window", type=int, default=1, help="saturate: messages in flight per sender")
    ap.add_argument("--workers", type=int, default=2, help="load generator processes")
    ap.add_argument("--drain", type=float, default=30, help="max seconds to wait for stragglers")
    ap.add_argument("--body-size", type=int, default=64, help="message body characters")
    ap.add_argument("--target", choices=("both", *TARGETS), default="both")
    ap.add_argument("--database-url", help="livehelp: database URL (default: SQLite in a temp dir)")
    ap.add_argument("--config", help="livehelp: config.yaml to serve with (default: a generated one)")
    ap.add_argument("--rooms", choices=("team", "case"), default="team",
                    help="livehelp: the rooms the load runs in: team rooms of three helpers (default), or case "
                         "rooms (a guest's help request, claimed by one helper who sends, shadowed by another)")
    ap.add_argument(
        "--bare-gc",
        choices=("tuned", "default", "off"),
        default="tuned",
        help="bare server's collector: tuned (as livehelp serve), default (interpreter's), off",
    )
    ap.add_argument("--pin", action="store_true", help="pin the server to CPU 0, load workers to the rest")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (server log, database)")
    ap.add_argument("--profile", metavar="DIR", help="run the server under cProfile, write DIR/<target>.prof")
    ap.add_argument("--quick", action="store_true", help="smoke run: 30 clients, short phases")
    ap.add_argument("--processes", type=int, default=1, metavar="N",
                    help="livehelp only: run the load on 1 process, then on N processes sharing --database-url "
                         "(PostgreSQL) and --redis-url, clients spread over them in turn; prints both and the ratio")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="with --processes: the Redis to share")
    ap.add_argument("--idle", type=int, metavar="N", default=0,
                    help="memory mode: connect N clients that send nothing, report the server's RSS in all and "
                         "per client (e.g. --idle 10000); livehelp only")
    args = ap.parse_args(argv)
    if args.idle:
        args.clients, args.target = args.idle, "livehelp"
    if args.quick:
        args.clients, args.rate, args.duration, args.saturate_duration = 30, 30, 3, 3
        args.warmup, args.workers, args.drain = 0.5, 1, 5
    if args.clients < 3:
        ap.error("--clients must be at least 3")
    if args.processes < 1:
        ap.error("--processes must be at least 1")
    if args.processes > 1:
        if not (args.database_url or "").startswith("postgresql"):
            ap.error("--processes needs --database-url postgresql+asyncpg://... (processes share one database)")
        if args.target == "bare":
            ap.error("--processes measures livehelp; leave --target out")
        args.target = "livehelp"
    if args.rate <= 0 or args.duration <= 0 or args.saturate_duration <= 0:
        ap.error("--rate and durations must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings(
        clients=args.clients - args.clients % 3,
        rate=args.rate,
        duration=args.duration,
        saturate_duration=args.saturate_duration,
        warmup=args.warmup,
        window=args.window,
        workers=args.workers,
        drain=args.drain,
        body_size=args.body_size,
        pin=args.pin,
        database_url=args.database_url,
        config=args.config,
        keep_tmp=args.keep_tmp,
        profile=args.profile,
        idle_only=bool(args.idle),
    )
    _raise_open_files(settings.clients)
    if args.processes > 1:
        return scaling(args, settings)
    names = TARGETS if args.target == "both" else (args.target,)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        if name == "bare":
            target: Target = BareTarget(args.bare_gc)
        else:
            from bench.livehelp_setup import LivehelpTarget

            target = LivehelpTarget(database_url=settings.database_url, config=settings.config,
                                    rooms=args.rooms)
        print(f"# {name}: {settings.clients} clients, starting...", file=sys.stderr, flush=True)
        results[name] = Run(target, settings).execute()
    print(
        f"# {platform.node()} git={git_revision()} cores={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
        f"clients={settings.clients} rate={settings.rate}/s paced={settings.duration}s "
        f"saturate={settings.saturate_duration}s window={settings.window} workers={settings.workers}"
    )
    if settings.idle_only:
        print_idle(results)
        if args.json:
            Path(args.json).write_text(json.dumps({"settings": asdict(settings), "targets": results}, indent=2))
        return 1 if any("error" in r for r in results.values()) else 0
    print_table(results)
    ratio = ratios(results)
    if ratio:
        # The goals of issue 17, each against the bare server of the same run.
        print(
            f"livehelp paced p99: {ratio['livehelp_paced_p99_ms']} ms (goal <= 10), {ratio['paced_p99_ratio']}x "
            f"the bare p99 (goal <= 3.5); paced CPU/msg: {ratio['paced_cpu_per_msg_ratio']}x (goal <= 2); "
            f"livehelp/bare saturating sends/s: {ratio['saturate_sent_ratio']} (goal >= 0.7); "
            f"deliveries/s: {ratio['saturate_delivered_ratio']}; saturating CPU/msg: {ratio['cpu_per_msg_ratio']}x"
        )
    if args.json:
        doc = {
            "settings": asdict(settings),
            "machine": {
                "cores": os.cpu_count(),
                "loadavg": os.getloadavg(),
                "git": git_revision(),
                "python": platform.python_version(),
            },
            "targets": results,
            "ratio": ratio,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2))
    return 1 if any("error" in r for r in results.values()) else 0


def _raise_open_files(clients: int) -> None:
    """Each client is a socket in the server and one in a load worker (both inherit this limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, clients + 1024))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def print_idle(results: dict[str, dict[str, Any]]) -> None:
    for name, res in results.items():
        if "error" in res:
            print(f"{name}: FAILED: {res['error']}")
            continue
        print(f"{name}: {res['clients']} idle clients connected ({res['connect']['failed']} failed) in "
              f"{res['connect']['seconds']:.0f} s; server RSS {res['rss_before_mb']} MB before, "
              f"{res['rss_total_mb']} MB connected ({res['rss_per_client_kb']} kB per client); "
              f"idle CPU {res['idle_cpu_pct']} %")


def scaling(args: argparse.Namespace, settings: Settings) -> int:
    """The same load on 1 livehelp process, then on N (one PostgreSQL, one Redis, the same config)."""
    from dataclasses import replace

    from bench.livehelp_setup import LivehelpTarget, fresh_postgres_database, new_master_key

    assert settings.database_url is not None
    results: dict[str, dict[str, Any]] = {}
    keydir = Path(tempfile.mkdtemp(prefix="bench-key-"))
    key = new_master_key(keydir / "master.key")
    for n in (1, args.processes):
        # Each run on a new database of that server, so both start from the same empty state.
        url, drop = asyncio.run(fresh_postgres_database(settings.database_url))
        try:
            s = replace(settings, processes=n, redis_url=args.redis_url, database_url=url)
            target = LivehelpTarget(database_url=url, config=s.config, redis_url=s.redis_url, master_key_file=key)
            print(f"# livehelp x{n}: {s.clients} clients, starting...", file=sys.stderr, flush=True)
            results[f"x{n}"] = Run(target, s).execute()
        finally:
            asyncio.run(drop())
    shutil.rmtree(keydir, ignore_errors=True)
    print(
        f"# {platform.node()} git={git_revision()} cores={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
        f"clients={settings.clients} rate={settings.rate}/s paced={settings.duration}s "
        f"saturate={settings.saturate_duration}s database={settings.database_url} redis={args.redis_url}"
    )
    print_table(results)
    one, many = results["x1"], results[f"x{args.processes}"]
    ratio = None
    if "error" not in one and "error" not in many:
        a, b = one["phases"]["saturate"]["acked_per_s"], many["phases"]["saturate"]["acked_per_s"]
        ratio = round(b / a, 2) if a else None
        print(f"saturating acknowledged sends/s: 1 process {a}, {args.processes} processes {b}: "
              f"{ratio}x (goal >= 1.6x for 2)")
    if args.json:
        Path(args.json).write_text(json.dumps({"settings": asdict(settings), "targets": results,
                                               "scaling_ratio": ratio, "git": git_revision()}, indent=2))
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
