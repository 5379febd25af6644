#!/usr/bin/env python3
"""coturn against the auth server's TURN credentials.

turnserver (Debian's coturn) runs on loopback with use-auth-secret and the
same static-auth-secret as the auth server; turnutils_peer echoes relayed
packets. turnutils_uclient then allocates a relay with the username and
password from GET /turn/credentials and sends packets through it; the same
client with a wrong password, and with an expired username whose password is
right for it, must fail to allocate.
"""
import base64
import hashlib
import hmac
import os
import subprocess
import sys
import time

import requests
from harness import Checks, free_port, start_auth_server, stop, wait_tcp, workdir

SECRET = "coturn-static-auth-secret-0123456789"


def uclient(port, peer_port, username, password):
    """turnutils_uclient: allocate, relay 3 messages from each of 2 clients to
    the echo peer. Returns (exit code, output)."""
    cmd = ["turnutils_uclient", "-v", "-p", str(port), "-u", username, "-w", password,
           "-n", "3", "-e", "127.0.0.1", "-r", str(peer_port), "-X", "127.0.0.1"]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(errors="replace")  # bytes, even with text=True
    return run.returncode, run.stdout + run.stderr


def turn_password(username):
    return base64.b64encode(hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()).decode()


def main():
    t = Checks("coturn")
    tmp = workdir("coturn")
    turn_port, peer_port = free_port(), free_port()
    relay_low = 49152 + (turn_port % 150) * 100
    server = start_auth_server(tmp, {"turn": {"secret": SECRET, "ttl": 600,
                                              "uris": [f"turn:127.0.0.1:{turn_port}?transport=udp"]}})
    log = open(os.path.join(tmp, "turnserver.log"), "w")
    turn = subprocess.Popen(
        ["turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
         f"--listening-port={turn_port}", f"--min-port={relay_low}", f"--max-port={relay_low + 99}",
         "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=tessera.test",
         "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--log-file=stdout",
         "--simple-log", f"--pidfile={tmp}/turnserver.pid", f"--userdb={tmp}/turndb"],
        stdout=log, stderr=subprocess.STDOUT)
    peer = subprocess.Popen(["turnutils_peer", "-L", "127.0.0.1", "-p", str(peer_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t.check("turnserver listens (use-auth-secret, loopback)", wait_tcp(turn_port), f"log: {tmp}/turnserver.log")
        time.sleep(0.3)  # the UDP listeners start with the TCP one; give the relay threads a moment

        r = requests.get(f"{server.base}/turn/credentials", params={"username": "alice"}, timeout=5)
        cred = r.json() if r.status_code == 200 else {}
        username, password = cred.get("username", ""), cred.get("password", "")
        expiry = username.split(":", 1)[0]
        t.check("auth server issues TURN REST credentials", r.status_code == 200 and username.endswith(":alice")
                and expiry.isdigit() and 0 < int(expiry) - time.time() <= 601, r.text)
        t.check("TURN password is base64(HMAC-SHA1(secret, username)) (Python hmac)",
                hmac.compare_digest(password, turn_password(username)), password)

        rc, out = uclient(turn_port, peer_port, username, password)
        t.check("turnutils_uclient allocates a relay with the issued credentials",
                rc == 0 and "Received relay addr" in out, f"rc={rc} {out[-400:]}")
        t.check("packets relayed through the allocation reach the peer and come back",
                "Total lost packets 0 (0.000000%)" in out and "tot_recv_msgs=6" in out, out[-400:])

        wrong = ("B" if password[0] != "B" else "C") + password[1:]
        rc, out = uclient(turn_port, peer_port, username, wrong)
        t.check("a wrong password is refused (no allocation)",
                rc not in (0, None) and "Cannot complete Allocation" in out, f"rc={rc} {out[-300:]}")

        expired = f"{int(time.time()) - 60}:alice"
        rc, out = uclient(turn_port, peer_port, expired, turn_password(expired))
        t.check("an expired username is refused, though its password matches it",
                rc not in (0, None) and "Cannot complete Allocation" in out, f"rc={rc} {out[-300:]}")
    finally:
        stop(turn, peer)
        t.check("auth server stops cleanly", server.stop() == 0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
