#!/usr/bin/env python3
"""Janus signed tokens from `tessera token janus`, checked by a real Janus.

    test_janus.py PREFIX/bin/tessera

Debian's janus runs on loopback with its own configuration folder in a work
directory: token_auth with a token_auth_secret (Janus's "signed token" mode),
the HTTP transport alone on 127.0.0.1:<free port> (no admin API), and the
echotest plugin alone. Tokens are "<expiry>,janus[,<plugin>...]:" followed by
base64(HMAC-SHA1(secret, the text before the colon)).

Tessera mints every token given to Janus (Python's hmac only recomputes them,
as a cross-check). A token naming janus.plugin.echotest must create a session
and attach to the plugin; an expired token, one signed with another secret
and one whose plugin list was changed after signing must be refused at
"create" (403); a token that does not name the plugin must be refused at
"attach" (405). `tessera token verify-janus` must agree with Janus.

Where Janus checks (src/auth.c and src/janus.c, meetecho/janus-gateway v1.1.2,
the version Debian 12 ships):
  - every request, "create" included, goes through janus_request_check_secret
    (janus.c:938), which calls janus_auth_check_token -> janus_auth_check_signature
    (auth.c:90) with realm "janus": the expiry (refused when now > expiry, in
    whole seconds: auth.c:103-106), the realm ("janus" after the first comma),
    then the HMAC-SHA1 of the text before ':' with strlen(secret) bytes of the
    secret, base64 with padding (g_base64_encode), compared in constant time.
    A refusal is error 403, "Unauthorized request (wrong or missing
    secret/token)" (janus.c:1099-1101 for create, 1165-1167 for session
    requests; apierror.c).
  - the plugin is checked only at "attach" (janus.c:1217-1229):
    janus_auth_check_plugin (auth.c:284) -> janus_auth_check_signature_contains
    (auth.c:127), which wants the plugin's package name ("janus.plugin.echotest")
    among the fields after "janus". A refusal is error 405, "Provided token
    can't access plugin 'janus.plugin.echotest'".
"""
import base64
import hashlib
import hmac
import json
import glob
import os
import re
import socket
import subprocess
import sys
import time
import uuid

import requests
from harness import Checks, free_port, stop, wait_tcp, workdir

TOOL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "tessera"
SECRET = b"janus-token-auth-secret-0123456789"  # no quotes or backslashes: it goes into janus.jcfg as is
OTHER_SECRET = b"another-janus-secret-9876543210"
ECHOTEST, VIDEOROOM = "janus.plugin.echotest", "janus.plugin.videoroom"
# Debian's folders of plugins and transports, under the multiarch triplet.
JANUS_LIB = next(iter(sorted(glob.glob("/usr/lib/*/janus"))), "/usr/lib/x86_64-linux-gnu/janus")
UNAUTHORIZED, UNAUTHORIZED_PLUGIN = 403, 405  # src/apierror.h


def run(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def one_line_error(err):
    return err.startswith("tessera: ") and err.count("\n") == 1 and err.endswith("\n")


def mint(secret_file, *args):
    """`tessera token janus`; returns the token ("" if it failed)."""
    rc, out, err = run("token", "janus", "--secret-file", secret_file, *args)
    if rc != 0 or out.count("\n") != 1 or err:
        print(f"  tessera token janus {' '.join(args)}: rc={rc} out={out!r} err={err!r}", flush=True)
        return ""
    return out.strip()


def verify(secret_file, token, *args):
    return run("token", "verify-janus", "--secret-file", secret_file, *args, token)


def python_token(secret, expiry, plugins=()):
    """The same token, computed here (the cross-check of the CLI)."""
    text = ",".join([str(expiry), "janus", *plugins])
    return text + ":" + base64.b64encode(hmac.new(secret, text.encode(), hashlib.sha1).digest()).decode()


def expiry_of(token):
    head = token.split(",", 1)[0]
    return int(head) if head.isdigit() else -1


def plugins_of(token):
    return token.split(":", 1)[0].split(",")[2:]


def write_config(tmp, port):
    """janus.jcfg and the HTTP transport's config in tmp/conf; plugins/ and
    transports/ hold links to the only two modules Janus may load (Janus loads
    every *.so of those folders); events/ and loggers/ stay empty."""
    conf = os.path.join(tmp, "conf")
    for d in ("conf", "plugins", "transports", "events", "loggers"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    os.symlink(f"{JANUS_LIB}/plugins/libjanus_echotest.so", os.path.join(tmp, "plugins", "libjanus_echotest.so"))
    os.symlink(f"{JANUS_LIB}/transports/libjanus_http.so", os.path.join(tmp, "transports", "libjanus_http.so"))
    with open(os.path.join(conf, "janus.jcfg"), "w") as f:
        f.write(f"""general: {{
	configs_folder = "{conf}"
	plugins_folder = "{tmp}/plugins"
	transports_folder = "{tmp}/transports"
	events_folder = "{tmp}/events"
	loggers_folder = "{tmp}/loggers"
	interface = "127.0.0.1"
	server_name = "tessera-janus-test"
	debug_level = 4
	token_auth = true
	token_auth_secret = "{SECRET.decode()}"
}}
nat: {{
	ice_enforce_list = "127.0.0.1"
	ignore_mdns = true
}}
events: {{
	broadcast = false
}}
""")
    with open(os.path.join(conf, "janus.transport.http.jcfg"), "w") as f:
        f.write(f"""general: {{
	json = "compact"
	base_path = "/janus"
	http = true
	ip = "127.0.0.1"
	port = {port}
	https = false
	acl = "127."
}}
admin: {{
	admin_http = false
	admin_https = false
}}
""")
    with open(os.path.join(conf, "janus.plugin.echotest.jcfg"), "w") as f:
        f.write("general: {\n\tevents = false\n}\n")
    return conf


def listening(pid):
    """(proto, address, port) of every listening TCP and every UDP socket the
    process holds (its /proc fds matched against /proc/PID/net/*)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/{pid}/net/{proto}") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if inode in inodes and (proto.startswith("udp") or state == "0A"):
                    addr, port = local.split(":")
                    raw = bytes.fromhex(addr)
                    if proto.endswith("6"):  # four little-endian 32-bit words
                        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                        found.append((proto, socket.inet_ntop(socket.AF_INET6, raw), int(port, 16)))
                    else:
                        found.append((proto, socket.inet_ntoa(raw[::-1]), int(port, 16)))
    return found


class Janus:
    """The Janus API over its HTTP transport (POST /janus, /janus/<session>)."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}/janus"

    def call(self, path, body):
        body = dict(body, transaction=uuid.uuid4().hex)
        r = requests.post(self.base + path, data=json.dumps(body), timeout=10)
        reply = r.json()
        if reply.get("transaction") != body["transaction"]:
            raise AssertionError(f"reply to another transaction: {reply}")
        return reply

    def create(self, token):
        return self.call("", {"janus": "create", "token": token})

    def attach(self, session, token, plugin=ECHOTEST):
        return self.call(f"/{session}", {"janus": "attach", "plugin": plugin, "token": token})

    def destroy(self, session, token):
        return self.call(f"/{session}", {"janus": "destroy", "token": token})


def ok(reply):
    return reply.get("janus") == "success" and isinstance(reply.get("data", {}).get("id"), int)


def refused(reply, code):
    return reply.get("janus") == "error" and reply.get("error", {}).get("code") == code


def main():
    t = Checks("janus")
    tmp = workdir("janus")
    secret_file, other_file, newline_file = (os.path.join(tmp, n) for n in ("secret", "other-secret", "secret-nl"))
    for path, data in ((secret_file, SECRET), (other_file, OTHER_SECRET), (newline_file, SECRET + b"\n")):
        with open(path, "wb") as f:
            f.write(data)

    port = free_port()
    conf = write_config(tmp, port)
    log = open(os.path.join(tmp, "janus.log"), "w")
    janus = subprocess.Popen(["janus", "--configs-folder", conf, "--plugins-folder", os.path.join(tmp, "plugins"),
                              "--disable-colors"], stdout=log, stderr=subprocess.STDOUT)
    api = Janus(port)
    try:
        up = wait_tcp(port, seconds=30)
        t.check("janus listens (HTTP transport, loopback)", up, f"log: {tmp}/janus.log")
        if not up:
            return t.finish()
        info = requests.get(api.base + "/info", timeout=10).json()
        t.check("janus runs with token auth, the HTTP transport and echotest alone",
                info.get("auth_token") is True and info.get("api_secret") is False
                and set(info.get("plugins", {})) == {ECHOTEST} and set(info.get("transports", {})) == {"janus.transport.http"}
                and not info.get("events"), {k: info.get(k) for k in ("auth_token", "api_secret", "plugins", "transports")})
        sockets = listening(janus.pid)
        t.check("janus listens on 127.0.0.1:<port> only (no admin API, no other transport)",
                sockets == [("tcp", "127.0.0.1", port)], sockets)

        # ---- minted by tessera, recomputed by Python ----
        token = mint(secret_file, "--ttl", "600", "--plugin", ECHOTEST)
        expiry = expiry_of(token)
        t.check("tessera token janus --ttl 600 --plugin: <expiry>,janus,<plugin>:<base64 HMAC-SHA1>",
                re.fullmatch(r"\d+,janus,janus\.plugin\.echotest:[A-Za-z0-9+/]{27}=", token) is not None
                and 590 <= expiry - time.time() <= 601, token)
        t.check("its token is Python's base64(HMAC-SHA1(secret, text before ':'))",
                hmac.compare_digest(token, python_token(SECRET, expiry, [ECHOTEST])), token)
        fixed = mint(secret_file, "--expiry", "2000000000", "--plugin", ECHOTEST, "--plugin", VIDEOROOM)
        t.check("--expiry and two --plugin: the same token as Python's, plugins in order",
                fixed == python_token(SECRET, 2000000000, [ECHOTEST, VIDEOROOM]), fixed)
        bare = mint(secret_file, "--expiry", "2000000000")
        t.check("no --plugin: <expiry>,janus:<signature>, as Python's", bare == python_token(SECRET, 2000000000), bare)
        nl = mint(newline_file, "--expiry", "2000000000", "--plugin", ECHOTEST)
        t.check("the secret file is used byte for byte (a trailing newline is part of the secret)",
                nl == python_token(SECRET + b"\n", 2000000000, [ECHOTEST]) != python_token(SECRET, 2000000000, [ECHOTEST]), nl)

        # ---- Janus accepts the token naming the plugin ----
        reply = api.create(token)
        t.check("Janus: create with the tessera token succeeds", ok(reply), reply)
        session = reply.get("data", {}).get("id")
        reply = api.attach(session, token)
        t.check(f"Janus: attach to {ECHOTEST} with the token succeeds", ok(reply), reply)
        t.check("Janus: the attached handle answers on the session",
                ok(reply) and api.call(f"/{session}/{reply['data']['id']}",
                                       {"janus": "detach", "token": token}).get("janus") == "success")
        reply = api.create(fixed)
        t.check(f"Janus: a token naming {ECHOTEST} and {VIDEOROOM} creates and attaches",
                ok(reply) and ok(api.attach(reply["data"]["id"], fixed)), reply)

        # ---- Janus refuses ----
        other = mint(other_file, "--ttl", "600", "--plugin", ECHOTEST)
        t.check("a token signed with another secret is Python's for that secret",
                other != "" and other == python_token(OTHER_SECRET, expiry_of(other), [ECHOTEST]), other)
        reply = api.create(other)
        t.check("Janus refuses a token signed with another secret (403)", bool(other) and refused(reply, UNAUTHORIZED), reply)
        reply = api.attach(session, other)
        t.check("Janus refuses it on the open session too (403 before the plugin check)",
                bool(other) and refused(reply, UNAUTHORIZED), reply)
        reply = api.create(nl)
        t.check("Janus refuses the token signed with secret+newline (403)", bool(nl) and refused(reply, UNAUTHORIZED), reply)

        noplugin = mint(secret_file, "--ttl", "600")
        reply = api.create(noplugin)
        t.check("Janus: a token naming no plugin still creates a session (signature and realm hold)", ok(reply), reply)
        s2 = reply.get("data", {}).get("id")
        reply = api.attach(s2, noplugin)
        t.check(f"Janus refuses to attach to {ECHOTEST} with a token naming no plugin (405)",
                refused(reply, UNAUTHORIZED_PLUGIN) and ECHOTEST in reply["error"].get("reason", ""), reply)
        videoroom = mint(secret_file, "--ttl", "600", "--plugin", VIDEOROOM)
        reply = api.attach(session, videoroom)
        t.check(f"Janus refuses to attach to {ECHOTEST} with a token naming {VIDEOROOM} only (405)",
                bool(videoroom) and refused(reply, UNAUTHORIZED_PLUGIN), reply)
        # The plugin list is signed: the no-plugin token's signature under a text that names echotest.
        forged = noplugin.replace(":", f",{ECHOTEST}:", 1)
        reply = api.create(forged)
        t.check("Janus refuses a token whose plugin list was extended after signing (403)",
                bool(noplugin) and refused(reply, UNAUTHORIZED), reply)

        short = mint(secret_file, "--ttl", "1", "--plugin", ECHOTEST)
        t.check("a 1-second token is Python's", short != "" and short == python_token(SECRET, expiry_of(short), [ECHOTEST]))
        while time.time() < expiry_of(short) + 1.2:  # Janus: refused once now > expiry, in whole seconds
            time.sleep(0.1)
        reply = api.create(short)
        t.check("Janus refuses an expired token (403)", bool(short) and refused(reply, UNAUTHORIZED), reply)
        reply = api.attach(session, short)
        t.check("Janus refuses the expired token on the open session (403)",
                bool(short) and refused(reply, UNAUTHORIZED), reply)

        # ---- tessera token verify-janus agrees ----
        rc, out, err = verify(secret_file, token)
        t.check("verify-janus accepts the token and prints its expiry and plugin",
                rc == 0 and str(expiry) in out and ECHOTEST in out and err == "", (rc, out, err))
        rc, out, err = verify(secret_file, token, "--plugin", ECHOTEST)
        t.check("verify-janus --plugin <named plugin> accepts", rc == 0 and err == "", (rc, err))
        rc, out, err = verify(secret_file, other)
        t.check("verify-janus refuses the token signed with another secret: exit 1, one line",
                rc == 1 and out == "" and one_line_error(err), (rc, out, err))
        rc, _, err = verify(other_file, other)
        t.check("verify-janus with that other secret accepts it", rc == 0, err)
        for name, bad in (("the token signed with secret+newline", nl), ("the extended plugin list", forged),
                          ("the expired token", short)):
            rc, out, err = verify(secret_file, bad)
            t.check(f"verify-janus refuses {name}: exit 1, one line",
                    rc == 1 and out == "" and one_line_error(err), (rc, out, err))
        for name, bad, plugin in (("a token naming no plugin", noplugin, ECHOTEST),
                                  (f"a token naming {VIDEOROOM} only", videoroom, ECHOTEST)):
            rc, out, err = verify(secret_file, bad, "--plugin", plugin)
            t.check(f"verify-janus --plugin {plugin} refuses {name}, as Janus's attach does",
                    rc == 1 and out == "" and one_line_error(err), (rc, out, err))
        rc, _, err = verify(secret_file, videoroom, "--plugin", VIDEOROOM)
        t.check(f"verify-janus --plugin {VIDEOROOM} accepts the token naming it", rc == 0, err)
        # Janus's clock rule (auth.c:105): valid while now <= expiry.
        rc, _, err = verify(secret_file, token, "--now", str(expiry))
        t.check("verify-janus --now <expiry> accepts, as Janus does", rc == 0, err)
        rc, out, err = verify(secret_file, token, "--now", str(expiry + 1))
        t.check("verify-janus --now <expiry+1> refuses, as Janus does",
                rc == 1 and out == "" and one_line_error(err), (rc, out, err))

        t.check("Janus logged the plugin refusals (its own words)",
                "can't access plugin 'janus.plugin.echotest'" in open(os.path.join(tmp, "janus.log")).read())
        t.check("Janus: destroy the first session with the token", api.destroy(session, token).get("janus") == "success")
    finally:
        stop(janus)
        log.close()
    t.check("janus stops cleanly on SIGTERM", janus.returncode == 0, f"rc={janus.returncode}, log: {tmp}/janus.log")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
