"""The fleet, started on loopback by the tests and `make load` and stopped
by them: a PostgreSQL cluster made with initdb in a temporary directory (run
as the `postgres` user: the server refuses root), redis-server, N auth-server
instances sharing both, and nginx in front (deploy/nginx.conf). Everything
binds 127.0.0.1 and every wait is bounded."""
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from serverctl import Server, free_port

HERE = os.path.dirname(os.path.abspath(__file__))


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (make installs postgresql)")
    return found[-1]


def as_postgres(args, **kw):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, capture_output=True, text=True, **kw)


def wait_http(url, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            time.sleep(0.05)
    return None


class Postgres:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "pg")
        os.makedirs(self.dir)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/auth"

    def init(self):
        r = as_postgres([pg_bin("initdb"), "-D", self.dir + "/data", "-U", "postgres", "-A", "trust", "--no-sync",
                         "-E", "UTF8"], timeout=120)
        if r.returncode != 0:
            raise RuntimeError("initdb: " + r.stderr)
        self.start()
        r = as_postgres([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "auth"], timeout=30)
        if r.returncode != 0:
            raise RuntimeError("createdb: " + r.stderr)

    def start(self):
        r = as_postgres([pg_bin("pg_ctl"), "-D", self.dir + "/data", "-l", self.dir + "/log", "-w", "-t", "30", "-o",
                         f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200", "start"], timeout=60)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start: " + r.stderr + open(self.dir + "/log").read()[-2000:])

    def stop(self, mode="fast"):
        as_postgres([pg_bin("pg_ctl"), "-D", self.dir + "/data", "-m", mode, "-w", "-t", "30", "stop"], timeout=60)

    def query(self, sql):
        r = as_postgres(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "auth", "-Atc", sql],
                        timeout=30)
        return r.stdout.strip()


class Redis:
    def __init__(self, tmp):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "PING"], capture_output=True, text=True)
            if r.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Nginx:
    def __init__(self, tmp, ports):
        self.prefix = os.path.join(tmp, "nginx")
        for d in ("logs", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)
        for root, dirs, _ in os.walk(self.prefix):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o777)
        self.port = free_port()
        upstreams = "\n        ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
        text = open(os.path.join(HERE, "deploy", "nginx.conf")).read()
        text = text.replace("@UPSTREAMS@", upstreams).replace("@PORT@", str(self.port))
        with open(os.path.join(self.prefix, "nginx.conf"), "w") as f:
            f.write(text)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", "nginx.conf"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if wait_http(self.base + "/healthz") != 200:
            raise RuntimeError("nginx did not start: " + open(os.path.join(self.prefix, "logs/error.log")).read()[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Fleet:
    """PostgreSQL, Redis, `count` auth servers with `sections` in their
    config (store and cache filled in), nginx in front."""

    def __init__(self, binary, sections, count=3):
        if shutil.which("runuser") is None and os.geteuid() == 0:
            raise RuntimeError("runuser is needed to run PostgreSQL as postgres")
        self.tmp = tempfile.mkdtemp(prefix="auth-fleet-")
        os.chmod(self.tmp, 0o755)
        self.pg = Postgres(self.tmp)
        self.redis = Redis(self.tmp)
        self.binary, self.sections, self.count = binary, sections, count
        self.servers, self.nginx = [], None

    def start(self):
        self.pg.init()
        self.redis.start()
        config = dict(self.sections, store=self.pg.url, cache=self.redis.url)
        config.setdefault("trustedProxies", ["127.0.0.1"])
        self.config_path = os.path.join(self.tmp, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        for i in range(self.count):
            server = Server(self.binary, self.config_path, os.path.join(self.tmp, f"server{i}.log"))
            if not server.start():
                raise RuntimeError(f"auth-server {i} did not start: " + open(server.log).read()[-2000:])
            self.servers.append(server)
        self.nginx = Nginx(self.tmp, [s.port for s in self.servers])
        self.nginx.start()
        return self

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        for s in self.servers:
            if s.proc and s.proc.poll() is None:
                s.stop()
        self.redis.stop()
        self.pg.stop("immediate")

    def __enter__(self):
        try:
            return self.start()
        except Exception:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
